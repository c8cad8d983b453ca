"""A KMIP operator's actions on PyKMIP, through PyKMIP's own client (independent of
s3crypt-kms): the tests use it to create, rotate, disable and delete keys.

    python admin.py ENV_FILE create NAME        -> prints the new key's unique identifier
    python admin.py ENV_FILE rotate NAME        -> a new active key under the same name
    python admin.py ENV_FILE disable NAME       -> revokes every key of that name
    python admin.py ENV_FILE delete NAME        -> revokes and destroys every key of that name
    python admin.py ENV_FILE ids NAME           -> the key ids of that name, newest first
"""

import sys

from kmip.core import enums
from kmip.core.factories import attributes
from kmip.pie.client import ProxyKmipClient


def client(env_file):
    env = {}
    with open(env_file) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            env[k] = v
    host, _, port = env["KMIP_ENDPOINT"].rpartition(":")
    return ProxyKmipClient(
        hostname=host,
        port=int(port),
        cert=env["KMIP_CERT"],
        key=env["KMIP_KEY"],
        ca=env["KMIP_CA"],
        config_file="/dev/null",
    )


def ids(c, name):
    f = attributes.AttributeFactory()
    return c.locate(attributes=[f.create_attribute(enums.AttributeType.NAME, name)])


def create(c, name):
    uid = c.create(
        enums.CryptographicAlgorithm.AES,
        256,
        name=name,
        cryptographic_usage_mask=[
            enums.CryptographicUsageMask.ENCRYPT,
            enums.CryptographicUsageMask.DECRYPT,
        ],
    )
    c.activate(uid)
    return uid


def main():
    env_file, action, name = sys.argv[1:4]
    with client(env_file) as c:
        if action in ("create", "rotate"):
            print(create(c, name))
        elif action == "ids":
            print("\n".join(ids(c, name)))
        elif action in ("disable", "delete"):
            found = ids(c, name)
            if not found:
                sys.exit(f"no key named {name!r}")
            for uid in found:
                try:
                    c.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid)
                except Exception as e:  # already revoked
                    print(f"{uid}: {e}", file=sys.stderr)
                if action == "delete":
                    c.destroy(uid)
                print(uid)
        else:
            sys.exit(f"unknown action {action!r}")


if __name__ == "__main__":
    main()
