#!/usr/bin/env python3
"""Writes a legacy credentials/ directory with every file variant, using the real `cryptography` library.

Usage: python3 make-legacy-fixtures.py OUT_DIR

Every writer of the legacy server's public history (auth/google_auth.py, auth/middleware.py,
auth/user_api_keys.py): plaintext JSON of each era (named from the email as typed, then lower-cased), the
double-base64 Fernet `.enc` blob keyed from .auth_encryption_key or MCP_API_KEY (HKDF-SHA256), v2 server
envelopes, per-user envelopes (first sign-in, linked second recipient, OAuth recipient with and without a
linkage password, re-authorization reusing the content key), a refresh's server envelope over a per-user
one, MEMORY_WITH_BACKUP backups of both kinds, token groups, `.user_api_keys.json` and the encrypted
`.oauth_linkage_prefs.json`; then hostile variants (swaps of every kind, stripped HMAC, bit flips with and
without a recomputed HMAC, truncations, wrong keys). OUT_DIR.manifest.json (beside OUT_DIR) tells the tests
what to expect per file (`files`: status, error code, account, evidence), the keys an operator supplies,
the mapping, and the JSON inside each importable file. Generated data only; every token is fake.
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


def user_key(tag):
    """A per-user key as the legacy generate_user_key made it: secrets.token_urlsafe(32)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


GRACE_KEY, LINKED_KEY, IVAN_KEY, KIM_KEY, LARRY_KEY, PAUL_KEY, HANK_KEY, NINA_KEY, RITA_KEY, URSULA_KEY = (
    user_key(t) for t in range(10)
)
GOOGLE_SUB = "109876543210987654321"  # judy, linkage password "hunter2"
KIM_SUB, OLGA_SUB, LARRY_SUB = "100000000000000000001", "100000000000000000002", "100000000000000000003"
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


def linkage_fernet():
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"oauth-linkage-prefs-salt-v1", info=b"oauth-linkage-prefs-encryption-v1")
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(SERVER_KEY.strip())))


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
    """The old `{safe}_credentials.enc` (_encrypt_credentials): base64url(Fernet token) — base64 twice."""
    return base64.urlsafe_b64encode(Fernet(key).encrypt(json.dumps(data).encode())).decode()


def reauth_reuse_cek(envelope, old_key, data, new_keys=()):
    """The re-authorization path (_reauth_reuse_cek): the old CEK, new data, recipients kept, no token_expiry."""
    wrapped = base64.urlsafe_b64decode(envelope["recipients"][key_id(old_key)])
    cek = Fernet(per_user_fernet_key(old_key)).decrypt(wrapped)
    recipients = dict(envelope["recipients"])
    for k in new_keys:
        recipients.setdefault(key_id(k), base64.urlsafe_b64encode(Fernet(per_user_fernet_key(k)).encrypt(cek)).decode())
    out = {"v": 2, "enc": "per_user", "recipients": recipients, "data": base64.urlsafe_b64encode(Fernet(cek).encrypt(json.dumps(data).encode())).decode()}
    out["hmac"] = envelope_hmac(out)
    return out


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


def per_user_envelope(data, keys, *, token_expiry=True):
    cek = Fernet.generate_key()
    recipients = {key_id(k): base64.urlsafe_b64encode(Fernet(per_user_fernet_key(k)).encrypt(cek)).decode() for k in keys}
    envelope = {
        "v": 2,
        "enc": "per_user",
        "recipients": recipients,
        "data": base64.urlsafe_b64encode(Fernet(cek).encrypt(json.dumps(data).encode())).decode(),
    }
    if token_expiry:  # releases 1.10 and 1.11 wrote no token_expiry
        envelope["token_expiry"] = data.get("expiry")
    envelope["hmac"] = envelope_hmac(envelope)
    return envelope


files = {}  # every file -> what the import must report with manifest keys and mapping
expected = {}


def ok(name, account, encoding, data, evidence, layout="google-auth", provider=None):
    entry = {"status": "imported", "account": account, "layout": layout, "encoding": encoding, "json": data, "evidence": evidence}
    if provider:
        entry["provider"] = provider
    expected[name] = entry
    files[name] = {k: v for k, v in entry.items() if k != "json"}


def fail(name, code):
    files[name] = {"status": "failed", "code": code}


def plain_era1(tag):
    """The first writer: the seven google-auth fields, no user_email."""
    c = creds(tag)
    del c["encrypted_at"]
    return c


# --- plaintext files of every era -------------------------------------------------------------------------
alice = dict(creds("alice", micros=123456), saved_at=NOW.isoformat(), user_email="alice@example.com", token_group="workspace")
del alice["encrypted_at"]
write("alice_at_example_com_credentials.json", json.dumps(alice, indent=2))
ok("alice_at_example_com_credentials.json", "alice@example.com", "plaintext", alice, "credential")

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
ok("bob_smith_at_example_com_credentials.json", "bob.smith@example.com", "plaintext", bob, "credential", layout="fastmcp")

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
ok("carol_at_example_com_credentials.json", "carol@example.com", "plaintext", carol, "credential", layout="unified")

jdoe = dict(creds("jdoe"), user_email="j.doe@example.com")
write("j_doe_at_example_com_credentials.json", json.dumps(jdoe, indent=2))
ok("j_doe_at_example_com_credentials.json", "j.doe@example.com", "plaintext", jdoe, "credential")

# First writer: no user_email, name from the email as typed (not lower-cased); one possible email.
quinn = plain_era1("quinn")
write("Quinn_at_Example_com_credentials.json", json.dumps(quinn, indent=2))
ok("Quinn_at_Example_com_credentials.json", "quinn@example.com", "plaintext", quinn, "file-name")

# Writers before lower-casing: user_email and name as typed.
pete = dict(plain_era1("pete"), saved_at=NOW.isoformat(), user_email="Pete.Plain@Example.com")
write("Pete_Plain_at_Example_com_credentials.json", json.dumps(pete, indent=2))
ok("Pete_Plain_at_Example_com_credentials.json", "pete.plain@example.com", "plaintext", pete, "credential")


def id_token(email):
    enc = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).decode().rstrip("=")
    return enc({"alg": "RS256"}) + "." + enc({"iss": "https://accounts.google.com", "sub": "1", "email": email}) + ".sig"


# google-auth's own to_json() with an ID token and no user_email.
victor = dict(plain_era1("victor"), id_token=id_token("victor@example.com"))
write("victor_at_example_com_credentials.json", json.dumps(victor, indent=2))
ok("victor_at_example_com_credentials.json", "victor@example.com", "plaintext", victor, "credential")

# --- older encrypted writer: the double-base64 Fernet blob, with storage_mode ------------------------------
dave = dict(creds("dave"), storage_mode="file_encrypted")
write("dave_at_example_com_credentials.enc", fernet_blob(dave, SERVER_KEY))
ok("dave_at_example_com_credentials.enc", "dave@example.com", "fernet", dave, "file-name")

heidi = dict(creds("heidi"), storage_mode="file_encrypted")
write("heidi_at_example_com_credentials.enc", fernet_blob(heidi, mcp_fernet_key(MCP_API_KEY)))
ok("heidi_at_example_com_credentials.enc", "heidi@example.com", "fernet", heidi, "file-name")

# --- server envelopes: key file and MCP_API_KEY; memory-with-backup ----------------------------------------
uma = creds("uma")
write("uma_at_example_com_credentials.enc", json.dumps(server_envelope(uma, SERVER_KEY)))
ok("uma_at_example_com_credentials.enc", "uma@example.com", "envelope-server", uma, "file-name")

erin = creds("erin")
write("erin_at_example_com_credentials.enc", json.dumps(server_envelope(erin, mcp_fernet_key(MCP_API_KEY))))
ok("erin_at_example_com_credentials.enc", "erin@example.com", "envelope-server", erin, "file-name")

frank = creds("frank")
write("frank_at_example_com_backup.enc", json.dumps(server_envelope(frank, SERVER_KEY)))
ok("frank_at_example_com_backup.enc", "frank@example.com", "envelope-server", frank, "file-name")

# An ambiguous name (x.y or x_y): needs the mapping.
xy = creds("xy")
write("x_y_at_example_com_credentials.enc", json.dumps(server_envelope(xy, SERVER_KEY)))
ok("x_y_at_example_com_credentials.enc", "x.y@example.com", "envelope-server", xy, "mapping")

# --- the current release's per-user envelopes ----------------------------------------------------------------
registry = {}
prefs = {}


def register(email, key):
    registry[key_id(key)] = {"email": email, "created_at": NOW.isoformat() + "+00:00"}


# First sign-in: the user's new key, plus a linked account's key (linda) as a second recipient.
register("grace@example.com", GRACE_KEY)
register("linda@example.com", LINKED_KEY)
grace = creds("grace")
grace_env = per_user_envelope(grace, [GRACE_KEY, LINKED_KEY])
write("grace_at_example_com_credentials.enc", json.dumps(grace_env))
ok("grace_at_example_com_credentials.enc", "grace@example.com", "envelope-per-user", grace, "recipient-binding")

# With the OAuth recipient (google_sub recorded in the linkage preferences, no password).
register("kim@example.com", KIM_KEY)
prefs["kim@example.com"] = {"enabled": True, "has_password": False, "google_sub": KIM_SUB}
kim = creds("kim")
write("kim_at_example_com_credentials.enc", json.dumps(per_user_envelope(kim, [KIM_KEY, oauth_recipient_key(KIM_SUB)])))
ok("kim_at_example_com_credentials.enc", "kim@example.com", "envelope-per-user", kim, "recipient-binding")

# OAuth recipient only (sign-in without a per-user key): opened from the recorded google_sub alone.
prefs["olga@example.com"] = {"enabled": True, "has_password": False, "google_sub": OLGA_SUB}
olga = creds("olga")
write("olga_at_example_com_credentials.enc", json.dumps(per_user_envelope(olga, [oauth_recipient_key(OLGA_SUB)])))
ok("olga_at_example_com_credentials.enc", "olga@example.com", "envelope-per-user", olga, "recipient-binding")

# OAuth + linkage password: the operator must supply the identity with its password.
prefs["judy@example.com"] = {"enabled": True, "has_password": True, "google_sub": GOOGLE_SUB}
judy = creds("judy")
write("judy_at_example_com_credentials.enc", json.dumps(per_user_envelope(judy, [oauth_recipient_key(GOOGLE_SUB, "hunter2")])))
ok("judy_at_example_com_credentials.enc", "judy@example.com", "envelope-per-user", judy, "recipient-binding")

# Re-authorization reusing the content key: new data under the old CEK, recipients kept, no token_expiry.
register("larry@example.com", LARRY_KEY)
prefs["larry@example.com"] = {"enabled": True, "has_password": False, "google_sub": LARRY_SUB}
first = per_user_envelope(creds("larry-old"), [LARRY_KEY, oauth_recipient_key(LARRY_SUB)])
larry = {k: v for k, v in creds("larry", hours=5).items()}
write("larry_at_example_com_credentials.enc", json.dumps(reauth_reuse_cek(first, oauth_recipient_key(LARRY_SUB), larry)))
ok("larry_at_example_com_credentials.enc", "larry@example.com", "envelope-per-user", larry, "recipient-binding")

# A refresh without the user's key in the session replaced nina's per-user envelope with a server envelope.
register("nina@example.com", NINA_KEY)
nina = creds("nina", hours=6)
write("nina_at_example_com_credentials.enc", json.dumps(server_envelope(nina, SERVER_KEY)))
ok("nina_at_example_com_credentials.enc", "nina@example.com", "envelope-server", nina, "file-name")

# Releases 1.10 and 1.11: per-user envelopes without token_expiry (and a registry entry in the plain
# `hash: email` form some development versions wrote, which the legacy reader also accepted).
registry[key_id(URSULA_KEY)] = "ursula@example.com"
ursula = creds("ursula")
write("ursula_at_example_com_credentials.enc", json.dumps(per_user_envelope(ursula, [URSULA_KEY], token_expiry=False)))
ok("ursula_at_example_com_credentials.enc", "ursula@example.com", "envelope-per-user", ursula, "recipient-binding")

# MEMORY_WITH_BACKUP with a per-user key: a per-user backup envelope.
register("paul@example.com", PAUL_KEY)
paul = creds("paul")
write("paul_at_example_com_backup.enc", json.dumps(per_user_envelope(paul, [PAUL_KEY])))
ok("paul_at_example_com_backup.enc", "paul@example.com", "envelope-per-user", paul, "recipient-binding")

# --- token groups ------------------------------------------------------------------------------------------------
photos = dict(creds("alice-photos"), scopes=["https://www.googleapis.com/auth/photoslibrary.appendonly"])
write("token_groups/photos/alice_at_example_com_credentials.enc", json.dumps(server_envelope(photos, SERVER_KEY)))
ok("token_groups/photos/alice_at_example_com_credentials.enc", "alice@example.com", "envelope-server", photos, "file-name", provider="google-photos")

# An older backup of alice: superseded by her credentials file (which expires later).
write("alice_at_example_com_backup.enc", json.dumps(server_envelope(creds("alice-old", hours=1), SERVER_KEY)))
files["alice_at_example_com_backup.enc"] = {"status": "skipped"}

# --- a per-user envelope whose key is not supplied ---------------------------------------------------------------
register("ivan@example.com", IVAN_KEY)
write("ivan_at_example_com_credentials.enc", json.dumps(per_user_envelope(creds("ivan"), [IVAN_KEY])))
fail("ivan_at_example_com_credentials.enc", "ERR_KEY_NOT_FOUND")

# --- swaps: one account's file copied over another's ----------------------------------------------------------------
# Per-user envelope over another user's: its recipients are bound to grace and linda, not hank.
register("hank@example.com", HANK_KEY)
write("hank_at_example_com_credentials.enc", json.dumps(grace_env))
fail("hank_at_example_com_credentials.enc", "ERR_INTEGRITY")
# Per-user envelope moved (no twin left behind) over another user's name: its recipient is bound to rita.
register("rita@example.com", RITA_KEY)
write("sven_at_example_com_credentials.enc", json.dumps(per_user_envelope(creds("rita"), [RITA_KEY])))
fail("sven_at_example_com_credentials.enc", "ERR_INTEGRITY")
# Server envelope over another user's: byte-identical twins, nothing inside tells whose: neither imported.
sam_env = json.dumps(server_envelope(creds("sam"), SERVER_KEY))
write("sam_at_example_com_credentials.enc", sam_env)
write("tina_at_example_com_credentials.enc", sam_env)
fail("sam_at_example_com_credentials.enc", "ERR_INTEGRITY")
fail("tina_at_example_com_credentials.enc", "ERR_INTEGRITY")
# Old Fernet blob over another user's.
wendy_blob = fernet_blob(dict(creds("wendy"), storage_mode="file_encrypted"), SERVER_KEY)
write("wendy_at_example_com_credentials.enc", wendy_blob)
write("xavier_at_example_com_credentials.enc", wendy_blob)
fail("wendy_at_example_com_credentials.enc", "ERR_INTEGRITY")
fail("xavier_at_example_com_credentials.enc", "ERR_INTEGRITY")
# Backup over another user's credentials file.
yuri_env = json.dumps(server_envelope(creds("yuri"), SERVER_KEY))
write("yuri_at_example_com_backup.enc", yuri_env)
write("zack_at_example_com_credentials.enc", yuri_env)
fail("yuri_at_example_com_backup.enc", "ERR_INTEGRITY")
fail("zack_at_example_com_credentials.enc", "ERR_INTEGRITY")
# A Photos token copied into the Workspace slot of the same account.
zoe_env = json.dumps(server_envelope(dict(creds("zoe-photos"), scopes=["https://www.googleapis.com/auth/photoslibrary.appendonly"]), SERVER_KEY))
write("token_groups/photos/zoe_at_example_com_credentials.enc", zoe_env)
write("zoe_at_example_com_credentials.enc", zoe_env)
fail("token_groups/photos/zoe_at_example_com_credentials.enc", "ERR_INTEGRITY")
fail("zoe_at_example_com_credentials.enc", "ERR_INTEGRITY")
# Plaintext over another user's: the user_email inside names alice; alice's own file still imports.
write("yara_at_example_com_credentials.json", json.dumps(alice, indent=2))
fail("yara_at_example_com_credentials.json", "ERR_INTEGRITY")
# A plaintext file whose user_email names someone else.
write("mallory_at_example_com_credentials.json", json.dumps(dict(creds("mallory"), user_email="someone@else.com")))
fail("mallory_at_example_com_credentials.json", "ERR_INTEGRITY")

# --- broken files: each must fail with a typed error naming the file ------------------------------------------
# Bit flip in the envelope data, HMAC not recomputed.
tampered = server_envelope(creds("tampered"), SERVER_KEY)
data = bytearray(base64.urlsafe_b64decode(tampered["data"]))
data[60] ^= 1
tampered["data"] = base64.urlsafe_b64encode(bytes(data)).decode()
write("tampered_at_example_com_credentials.enc", json.dumps(tampered))
fail("tampered_at_example_com_credentials.enc", "ERR_INTEGRITY")
# Bit flip with the HMAC recomputed (an attacker holding .auth_encryption_key): Fernet's own MAC refuses it.
for name, env in (("reflip", server_envelope(creds("reflip"), SERVER_KEY)), ("reflippu", per_user_envelope(creds("reflippu"), [oauth_recipient_key(OLGA_SUB)]))):
    raw = bytearray(base64.urlsafe_b64decode(base64.urlsafe_b64decode(env["data"])))
    raw[-40] ^= 1
    env["data"] = base64.urlsafe_b64encode(base64.urlsafe_b64encode(bytes(raw))).decode()
    env["hmac"] = envelope_hmac(env)
    write(f"{name}_at_example_com_credentials.enc", json.dumps(env))
    fail(f"{name}_at_example_com_credentials.enc", "ERR_INTEGRITY")
# A recipient removed without recomputing the HMAC.
pruned = per_user_envelope(creds("pruned"), [KIM_KEY, GRACE_KEY])
del pruned["recipients"][key_id(GRACE_KEY)]
write("pruned_at_example_com_credentials.enc", json.dumps(pruned))
fail("pruned_at_example_com_credentials.enc", "ERR_INTEGRITY")

blob = fernet_blob(creds("truncated"), SERVER_KEY)
write("truncated_at_example_com_credentials.enc", blob[: len(blob) // 2 + 3])
fail("truncated_at_example_com_credentials.enc", "ERR_CORRUPT_RECORD")
write("truncjson_at_example_com_credentials.json", json.dumps(creds("truncjson"))[:70])
fail("truncjson_at_example_com_credentials.json", "ERR_CORRUPT_RECORD")
write("wrongkey_at_example_com_credentials.enc", fernet_blob(creds("wrongkey"), Fernet.generate_key()))
fail("wrongkey_at_example_com_credentials.enc", "ERR_INTEGRITY")
write("wrongwrap_at_example_com_credentials.enc", json.dumps(server_envelope(creds("wrongwrap"), Fernet.generate_key())))
fail("wrongwrap_at_example_com_credentials.enc", "ERR_INTEGRITY")
write("nohmac_at_example_com_credentials.enc", json.dumps(server_envelope(creds("nohmac"), SERVER_KEY, with_hmac=False)))
fail("nohmac_at_example_com_credentials.enc", "ERR_INTEGRITY")
# One bit of the Fernet token's ciphertext flipped, both base64 layers kept valid: only the HMAC can notice.
bitflip = fernet_blob(creds("bitflip"), SERVER_KEY)
raw = bytearray(base64.urlsafe_b64decode(base64.urlsafe_b64decode(bitflip)))
raw[-40] ^= 0x01
write(
    "bitflip_at_example_com_credentials.enc",
    base64.urlsafe_b64encode(base64.urlsafe_b64encode(bytes(raw))).decode(),
)
fail("bitflip_at_example_com_credentials.enc", "ERR_INTEGRITY")

# --- not credentials -------------------------------------------------------------------------------------------
write("bob_smith_at_example_com_chat_sa.enc", fernet_blob({"type": "service_account"}, SERVER_KEY))
write("session_tool_states.json", "{}")
for name in ("bob_smith_at_example_com_chat_sa.enc", "session_tool_states.json"):
    files[name] = {"status": "skipped"}
write(".oauth_authentication.json", json.dumps({"authenticated_email": "alice@example.com"}))
write(".user_api_keys.json", json.dumps(registry, indent=2))
with open(os.path.join(OUT, ".oauth_linkage_prefs.json"), "wb") as f:
    f.write(linkage_fernet().encrypt(json.dumps(prefs, indent=2).encode()))

failures = {name: f["code"] for name, f in files.items() if f["status"] == "failed"}

manifest = {
    "keys": {
        "serverKey": SERVER_KEY.decode(),
        "mcpApiKey": MCP_API_KEY,
        # What the operator supplies: the per-user keys users kept, and judy's identity with its password.
        "userKeysByAccount": {
            "grace@example.com": GRACE_KEY,
            "paul@example.com": PAUL_KEY,
            "rita@example.com": RITA_KEY,
            "ursula@example.com": URSULA_KEY,
        },
        "oauthIdentities": [{"sub": GOOGLE_SUB, "password": "hunter2", "account": "judy@example.com"}],
        "linkedKey": LINKED_KEY,
        "ivanKey": IVAN_KEY,
    },
    "mapping": {"x_y_at_example_com": "x.y@example.com"},
    "files": files,
    "expected": expected,
    "failures": failures,
    "ambiguousWithoutMapping": ["x_y_at_example_com_credentials.enc"],
    "superseded": {"alice_at_example_com_backup.enc": "alice_at_example_com_credentials.json"},
    "notCredentials": ["bob_smith_at_example_com_chat_sa.enc", "session_tool_states.json"],
}
with open(os.path.join(OUT, "..", os.path.basename(OUT.rstrip("/")) + ".manifest.json"), "w") as f:
    json.dump(manifest, f, indent=2)
