"""The example's Tessera. In memory unless DATABASE_URL is set."""

import os

from tessera import Tessera

auth = Tessera(
    base_url=os.environ.get("BASE_URL", "http://127.0.0.1:8000"),
    database=os.environ.get("DATABASE_URL"),
    email_and_password={"enabled": True},
)
