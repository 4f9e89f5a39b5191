from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "newsroom.distribution"
    label = "distribution"
    verbose_name = "Distribution"

    def ready(self) -> None:
        from newsroom.distribution import api, receivers

        receivers.connect()
        api.register()  # the ninjs answer joins the read API before its URLs are built
