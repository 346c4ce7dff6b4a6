"""Word helpers the pipeline's UDFs call. They run on the executors, which
import this module from the project the run shipped."""

import hashlib
import hmac
import os
import re

_WORD = re.compile(r"[a-z0-9']+")

#: The environment variable holding the pseudonymisation key: a key of the
#: secret the run pulls (orchestera run --pull-secrets-from ALIAS).
KEY_VARIABLE = "PSEUDONYM_KEY"


def words(line):
    """The line's words, lower-cased."""
    return _WORD.findall(line.lower())


def pseudonym(word, key_variable=KEY_VARIABLE):
    """A stable pseudonym of ``word`` under the secret key: the first 12 hex
    digits of HMAC-SHA256(key, word). The key is read where the UDF runs."""
    key = os.environ[key_variable].encode()
    return hmac.new(key, word.encode(), hashlib.sha256).hexdigest()[:12]


def worker():
    """Which Spark executor runs this Python code ("driver" in local mode)."""
    return os.environ.get("SPARK_EXECUTOR_ID", "driver")
