"""Settings of the Django example: no database of Django's own, tessera's middleware, the auth object."""

SECRET_KEY = "django-example-only-not-a-secret"
DEBUG = True
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "exampleproject.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "tessera.integrations.django.TesseraMiddleware",
]
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
TESSERA_AUTH = "exampleproject.auth.auth"
WSGI_APPLICATION = "exampleproject.wsgi.application"
