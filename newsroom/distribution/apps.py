from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "newsroom.distribution"
    label = "distribution"
    verbose_name = "Distribution"

    def ready(self) -> None:
        from newsroom.distribution import receivers

        receivers.connect()
