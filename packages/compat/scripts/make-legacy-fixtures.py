#!/usr/bin/env python3
"""Writes a legacy credentials/ directory with every file variant, using the real `cryptography` library.

Usage: python3 make-legacy-fixtures.py OUT_DIR

The encryption follows the legacy server's auth/middleware.py: Fernet keyed from .auth_encryption_key or
from MCP_API_KEY via HKDF-SHA256, the double-base64 `.enc` blob, and the v2 JSON envelope (random content
key wrapped per recipient, HMAC-SHA256 over json.dumps(sort_keys=True) keyed with .auth_encryption_key).
OUT_DIR.manifest.json (beside OUT_DIR) tells the tests what to expect: keys, mappings, the JSON inside each
file, and the error code each broken file must produce. Generated data only; every token is fake.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
from datetime import datetime, timedelta, timezone

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

OUT = sys.argv[1]
os.makedirs(os.path.join(OUT, "token_groups", "photos"), exist_ok=True)

SERVER_KEY = Fernet.generate_key()  # the .auth_encryption_key file content
MCP_API_KEY = "mcp-api-key-" + base64.urlsafe_b64encode(os.urandom(12)).decode()
GRACE_KEY = "user-key-grace-" + base64.urlsafe_b64encode(os.urandom(12)).decode()
LINKED_KEY = "user-key-linked-" + base64.urlsafe_b64encode(os.urandom(12)).decode()
IVAN_KEY = "user-key-ivan-" + base64.urlsafe_b64encode(os.urandom(12)).decode()
GOOGLE_SUB = "109876543210987654321"
NOW = datetime.now(timezone.utc).replace(tzinfo=None)
SCOPES = [
    "https://www.googleapis.com/auth/userinfo.email",
    "openid",
    "https://www.googleapis.com/auth/drive",
]

with open(os.path.join(OUT, ".auth_encryption_key"), "wb") as f:
    f.write(SERVER_KEY)


def write(name, text):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def mcp_fernet_key(secret):
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"mcp-google-workspace-v1", info=b"credential-encryption")
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


def per_user_fernet_key(per_user_key):
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=SERVER_KEY, info=b"per-user-credential-encryption-v1")
    return base64.urlsafe_b64encode(hkdf.derive(per_user_key.encode()))


def oauth_recipient_key(sub, password=""):
    material = SERVER_KEY + b":oauth-identity-recipient-v2:" + sub.encode()
    if password:
        material += b":" + password.encode()
    return hashlib.sha256(material).hexdigest()


def key_id(per_user_key):
    return hashlib.sha256(per_user_key.encode()).hexdigest()


def envelope_hmac(envelope):
    payload = json.dumps({k: v for k, v in envelope.items() if k != "hmac"}, sort_keys=True).encode()
    return hmac.new(SERVER_KEY, payload, hashlib.sha256).hexdigest()


def creds(tag, hours=2, micros=0):
    expiry = (NOW + timedelta(hours=hours)).replace(microsecond=micros)
    return {
        "token": f"ya29.access-{tag}",
        "refresh_token": f"1//refresh-{tag}",
        "token_uri": "https://oauth2.googleapis.com/token",
        "client_id": "client-123.apps.googleusercontent.com",
        "client_secret": f"client-secret-{tag}",
        "scopes": SCOPES,
        "expiry": expiry.isoformat(),
        "encrypted_at": NOW.isoformat(),
    }


def fernet_blob(data, key):
    """The old `{safe}_credentials.enc`: base64url(Fernet token) — base64 twice."""
    return base64.urlsafe_b64encode(Fernet(key).encrypt(json.dumps(data).encode())).decode()


def server_envelope(data, wrap_key, *, with_hmac=True):
    cek = Fernet.generate_key()
    envelope = {
        "v": 2,
        "enc": "server",
        "recipients": {"server": base64.urlsafe_b64encode(Fernet(wrap_key).encrypt(cek)).decode()},
        "data": base64.urlsafe_b64encode(Fernet(cek).encrypt(json.dumps(data).encode())).decode(),
        "token_expiry": data.get("expiry"),
    }
    if with_hmac:
        envelope["hmac"] = envelope_hmac(envelope)
    return envelope


def per_user_envelope(data, keys):
    cek = Fernet.generate_key()
    recipients = {key_id(k): base64.urlsafe_b64encode(Fernet(per_user_fernet_key(k)).encrypt(cek)).decode() for k in keys}
    envelope = {
        "v": 2,
        "enc": "per_user",
        "recipients": recipients,
        "data": base64.urlsafe_b64encode(Fernet(cek).encrypt(json.dumps(data).encode())).decode(),
        "token_expiry": data.get("expiry"),
    }
    envelope["hmac"] = envelope_hmac(envelope)
    return envelope


expected = {}

# --- plaintext, three layouts, account from user_email -------------------------------------------------
alice = dict(creds("alice", micros=123456), saved_at=NOW.isoformat(), user_email="alice@example.com", token_group="workspace")
del alice["encrypted_at"]
write("alice_at_example_com_credentials.json", json.dumps(alice, indent=2))
expected["alice_at_example_com_credentials.json"] = {"account": "alice@example.com", "layout": "google-auth", "encoding": "plaintext", "json": alice}

bob_expiry = (NOW + timedelta(hours=3)).replace(microsecond=0).isoformat() + "Z"
bob = {
    "provider": "google",
    "access_token": "ya29.access-bob",
    "refresh_token": "1//refresh-bob",
    "token_expiry": bob_expiry,
    "scopes": SCOPES,
    "client_id": "client-123.apps.googleusercontent.com",
    "client_secret": "client-secret-bob",
    "user_email": "Bob.Smith@Example.com",
}
write("bob_smith_at_example_com_credentials.json", json.dumps(bob, indent=2))
expected["bob_smith_at_example_com_credentials.json"] = {"account": "bob.smith@example.com", "layout": "fastmcp", "encoding": "plaintext", "json": bob}

carol = {
    "format_version": "unified",
    "provider": "google",
    "tokens": {
        "access": "ya29.access-carol",
        "refresh": "1//refresh-carol",
        "expiry": (NOW + timedelta(hours=4)).replace(microsecond=0).isoformat(),
    },
    "oauth_config": {
        "client_id": "client-123.apps.googleusercontent.com",
        "client_secret": "client-secret-carol",
        "scopes": SCOPES,
    },
    "metadata": {"created": NOW.isoformat(), "source_format": "legacy"},
    "user_email": "carol@example.com",
}
write("carol_at_example_com_credentials.json", json.dumps(carol, indent=2))
expected["carol_at_example_com_credentials.json"] = {"account": "carol@example.com", "layout": "unified", "encoding": "plaintext", "json": carol}

jdoe = dict(creds("jdoe"), user_email="j.doe@example.com")
write("j_doe_at_example_com_credentials.json", json.dumps(jdoe, indent=2))
expected["j_doe_at_example_com_credentials.json"] = {"account": "j.doe@example.com", "layout": "google-auth", "encoding": "plaintext", "json": jdoe}

# --- encrypted: no email inside, so the account needs a mapping -------------------------------------------
dave = creds("dave")
write("dave_at_example_com_credentials.enc", fernet_blob(dave, SERVER_KEY))
expected["dave_at_example_com_credentials.enc"] = {"account": "dave@example.com", "layout": "google-auth", "encoding": "fernet", "json": dave}

erin = creds("erin")
write("erin_at_example_com_credentials.enc", json.dumps(server_envelope(erin, mcp_fernet_key(MCP_API_KEY))))
expected["erin_at_example_com_credentials.enc"] = {"account": "erin@example.com", "layout": "google-auth", "encoding": "envelope-server", "json": erin}

heidi = creds("heidi")
write("heidi_at_example_com_credentials.enc", fernet_blob(heidi, mcp_fernet_key(MCP_API_KEY)))
expected["heidi_at_example_com_credentials.enc"] = {"account": "heidi@example.com", "layout": "google-auth", "encoding": "fernet", "json": heidi}

frank = creds("frank")
write("frank_at_example_com_backup.enc", json.dumps(server_envelope(frank, SERVER_KEY)))
expected["frank_at_example_com_backup.enc"] = {"account": "frank@example.com", "layout": "google-auth", "encoding": "envelope-server", "json": frank}

grace = creds("grace")
write("grace_at_example_com_credentials.enc", json.dumps(per_user_envelope(grace, [GRACE_KEY, LINKED_KEY])))
expected["grace_at_example_com_credentials.enc"] = {"account": "grace@example.com", "layout": "google-auth", "encoding": "envelope-per-user", "json": grace}

judy = creds("judy")
write("judy_at_example_com_credentials.enc", json.dumps(per_user_envelope(judy, [oauth_recipient_key(GOOGLE_SUB, "hunter2")])))
expected["judy_at_example_com_credentials.enc"] = {"account": "judy@example.com", "layout": "google-auth", "encoding": "envelope-per-user", "json": judy}

photos = dict(creds("alice-photos"), scopes=["https://www.googleapis.com/auth/photoslibrary.appendonly"])
write("token_groups/photos/alice_at_example_com_credentials.enc", json.dumps(server_envelope(photos, SERVER_KEY)))
expected["token_groups/photos/alice_at_example_com_credentials.enc"] = {"account": "alice@example.com", "provider": "google-photos", "layout": "google-auth", "encoding": "envelope-server", "json": photos}

# An older backup of alice: superseded by her credentials file (which expires later).
write("alice_at_example_com_backup.enc", json.dumps(server_envelope(creds("alice-old", hours=1), SERVER_KEY)))

# --- needs a user key that is not supplied by default --------------------------------------------------------
write("ivan_at_example_com_credentials.enc", json.dumps(per_user_envelope(creds("ivan"), [IVAN_KEY])))

# --- broken files: each must fail with a typed error naming the file ------------------------------------------
tampered = server_envelope(creds("tampered"), SERVER_KEY)
data = bytearray(base64.urlsafe_b64decode(tampered["data"]))
data[60] ^= 1
tampered["data"] = base64.urlsafe_b64encode(bytes(data)).decode()
write("tampered_at_example_com_credentials.enc", json.dumps(tampered))

blob = fernet_blob(creds("truncated"), SERVER_KEY)
write("truncated_at_example_com_credentials.enc", blob[: len(blob) // 2 + 3])
write("truncjson_at_example_com_credentials.json", json.dumps(creds("truncjson"))[:70])
write("wrongkey_at_example_com_credentials.enc", fernet_blob(creds("wrongkey"), Fernet.generate_key()))
write("wrongwrap_at_example_com_credentials.enc", json.dumps(server_envelope(creds("wrongwrap"), Fernet.generate_key())))
write("nohmac_at_example_com_credentials.enc", json.dumps(server_envelope(creds("nohmac"), SERVER_KEY, with_hmac=False)))
# One bit of the Fernet token's ciphertext flipped, both base64 layers kept valid: only the HMAC can notice.
bitflip = fernet_blob(creds("bitflip"), SERVER_KEY)
raw = bytearray(base64.urlsafe_b64decode(base64.urlsafe_b64decode(bitflip)))
raw[-40] ^= 0x01
write(
    "bitflip_at_example_com_credentials.enc",
    base64.urlsafe_b64encode(base64.urlsafe_b64encode(bytes(raw))).decode(),
)

# --- ambiguous: the email inside contradicts the file name ------------------------------------------------------
write("mallory_at_example_com_credentials.json", json.dumps(dict(creds("mallory"), user_email="someone@else.com")))

# --- not credentials -------------------------------------------------------------------------------------------
write("bob_smith_at_example_com_chat_sa.enc", fernet_blob({"type": "service_account"}, SERVER_KEY))
write("session_tool_states.json", "{}")
write(".oauth_authentication.json", json.dumps({"authenticated_email": "alice@example.com"}))

failures = {
    "tampered_at_example_com_credentials.enc": "ERR_INTEGRITY",
    "truncated_at_example_com_credentials.enc": "ERR_CORRUPT_RECORD",
    "truncjson_at_example_com_credentials.json": "ERR_CORRUPT_RECORD",
    "wrongkey_at_example_com_credentials.enc": "ERR_INTEGRITY",
    "wrongwrap_at_example_com_credentials.enc": "ERR_INTEGRITY",
    "nohmac_at_example_com_credentials.enc": "ERR_INTEGRITY",
    "bitflip_at_example_com_credentials.enc": "ERR_INTEGRITY",
    "ivan_at_example_com_credentials.enc": "ERR_KEY_NOT_FOUND",
}

manifest = {
    "keys": {
        "serverKey": SERVER_KEY.decode(),
        "mcpApiKey": MCP_API_KEY,
        "userKeys": [GRACE_KEY],
        "linkedKey": LINKED_KEY,
        "ivanKey": IVAN_KEY,
        "oauthIdentity": {"sub": GOOGLE_SUB, "password": "hunter2"},
    },
    "mapping": {
        "dave_at_example_com": "dave@example.com",
        "erin_at_example_com": "erin@example.com",
        "heidi_at_example_com": "heidi@example.com",
        "frank_at_example_com": "frank@example.com",
        "grace_at_example_com": "grace@example.com",
        "judy_at_example_com": "judy@example.com",
        "alice_at_example_com_backup.enc": "alice@example.com",
        "token_groups/photos/alice_at_example_com_credentials.enc": "alice@example.com",
    },
    "expected": expected,
    "failures": failures,
    "ambiguous": ["mallory_at_example_com_credentials.json"],
    "superseded": {"alice_at_example_com_backup.enc": "alice_at_example_com_credentials.json"},
    "notCredentials": ["bob_smith_at_example_com_chat_sa.enc", "session_tool_states.json"],
}
with open(os.path.join(OUT, "..", os.path.basename(OUT.rstrip("/")) + ".manifest.json"), "w") as f:
    json.dump(manifest, f, indent=2)
