"""English date formats of the site: day month year, as a European desk writes them."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
