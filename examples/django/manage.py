#!/usr/bin/env python
"""Django example: ``python manage.py runserver`` (WSGI) or ``uvicorn exampleproject.asgi:application``."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exampleproject.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
