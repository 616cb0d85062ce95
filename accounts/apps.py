from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organizations"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401, PLC0415 (registers receivers once apps are loaded)
