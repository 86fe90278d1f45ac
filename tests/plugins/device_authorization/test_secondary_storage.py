"""With secondary storage, the device's session lives there as every other session does (Better Auth writes it
there too), and the token reads it back as a bearer."""

from __future__ import annotations

from tessera.plugins.bearer import bearer
from tessera.plugins.device_authorization import device_authorization
from tessera.storage import MemoryStorage
from tests._helpers import Client, make_auth

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"


async def test_the_device_session_is_kept_in_secondary_storage() -> None:
    storage = MemoryStorage()
    auth = make_auth(secondary_storage=storage, plugins=[bearer(), device_authorization()])
    device, browser = Client(auth, None), Client(auth)
    codes = (await device.post("/device/code", {"client_id": "tv"})).json_body()
    assert (await browser.sign_up()).status == 200
    assert (await browser.get("/device", query=f"user_code={codes['user_code']}")).status == 200
    assert (await browser.post("/device/approve", {"userCode": codes["user_code"]})).status == 200
    r = await device.post("/device/token", {"grant_type": GRANT_TYPE, "device_code": codes["device_code"],
                                            "client_id": "tv"})
    assert r.status == 200, r.body
    token = r.json_body()["access_token"]
    assert token in storage._data
    r = await device.get("/get-session", headers=[("authorization", f"Bearer {token}")])
    assert r.status == 200 and r.json_body()["session"]["token"] == token
