from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Job handlers register themselves when their module is imported. The
        # worker imports every app's tasks module (Celery autodiscovery); the web
        # process needs them too, for each kind's label and result page.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")
