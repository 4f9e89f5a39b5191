from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        from newsroom.site.rendering import owner

        owner.connect()  # what follows a publication, a credit or a profile change
