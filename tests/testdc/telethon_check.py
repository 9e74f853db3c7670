"""Cross-check of the test DC with a client nobody here wrote: Telethon.

usage: python3 telethon_check.py PORT

For each of ConnectionTcpIntermediate, ConnectionTcpObfuscated (the two the check is
about), ConnectionTcpAbridged and ConnectionTcpFull: a fresh Telethon client
creates an auth key with the DC (Telethon 1.45 uses the legacy RSA scheme), signs in with
a test phone number (+99966xxxxx) and the fixed code 22222 (signing up first when the
number is new), then calls help.getNearestDc and users.getUsers. Prints one timing line
per step and exits non-zero on the first failure.
"""

import asyncio
import json
import logging
import random
import sys
import time
import urllib.request

from telethon import TelegramClient, errors, functions, types
from telethon.crypto import rsa
from telethon.network import (
    ConnectionTcpAbridged,
    ConnectionTcpFull,
    ConnectionTcpIntermediate,
    ConnectionTcpObfuscated,
)
from telethon.sessions import MemorySession

LOGIN_CODE = "22222"


async def check(port: int, connection, phone: str) -> None:
    name = connection.__name__
    client = TelegramClient(
        MemorySession(),
        api_id=1,
        api_hash="0123456789abcdef0123456789abcdef",
        connection=connection,
        timeout=10,
        request_retries=1,
        connection_retries=1,
        auto_reconnect=False,
        receive_updates=False,
    )
    client.session.set_dc(2, "127.0.0.1", port)
    t0 = time.monotonic()
    await client.connect()
    t1 = time.monotonic()
    print(f"{name}: connect + auth key + initConnection(help.getConfig): {t1 - t0:.3f} s")
    try:
        sent = await client.send_code_request(phone)
        assert sent.phone_code_hash, sent
        try:
            me = await client.sign_in(phone, LOGIN_CODE)
            how = "signIn"
        except errors.PhoneNumberUnoccupiedError:
            # Telethon's sign_up() refuses to run (third-party sign-up is closed on
            # Telegram); the raw request works against the test DC.
            result = await client(
                functions.auth.SignUpRequest(
                    phone_number=phone,
                    phone_code_hash=sent.phone_code_hash,
                    first_name="Tele",
                    last_name="Thon",
                )
            )
            me = result.user
            how = "signUp"
        assert isinstance(me, types.User) and me.is_self, me
        t2 = time.monotonic()
        print(f"{name}: sendCode + {how} (user {me.id}): {t2 - t1:.3f} s")
        nearest = await client(functions.help.GetNearestDcRequest())
        assert nearest.country == "XX" and nearest.this_dc == 2, nearest
        users = await client(functions.users.GetUsersRequest([types.InputUserSelf()]))
        assert len(users) == 1 and users[0].id == me.id and users[0].is_self, users
        t3 = time.monotonic()
        print(f"{name}: help.getNearestDc + users.getUsers: {t3 - t2:.3f} s")
    finally:
        await client.disconnect()


def keys_made(port: int) -> int:
    """The DC's count of completed handshakes (fault switch `status`, which changes nothing)."""
    answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/__faults/status/0", timeout=10)
    return json.loads(answer.read())["auth_keys_made"]


async def main() -> None:
    port = int(sys.argv[1])
    pem = urllib.request.urlopen(f"http://127.0.0.1:{port}/rsa.pem", timeout=10).read()
    rsa.add_key(pem.decode(), old=False)
    phone = "+99966" + "".join(random.choice("0123456789") for _ in range(5))
    before = keys_made(port)
    start = time.monotonic()
    # The first connection signs up; the others sign in with the user it created.
    for connection in (
        ConnectionTcpIntermediate,
        ConnectionTcpObfuscated,
        ConnectionTcpAbridged,
        ConnectionTcpFull,
    ):
        await asyncio.wait_for(check(port, connection, phone), timeout=60)
    # Each connection above made one auth key (a MemorySession each, no PFS): the DC's
    # counter, which the JS Client's bind test reads, counts what an independent client did.
    made = keys_made(port) - before
    assert made == 4, f"the DC counted {made} handshakes for Telethon's 4"
    print(f"the DC counted Telethon's {made} handshakes")
    print(f"telethon check passed in {time.monotonic() - start:.3f} s")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main())
