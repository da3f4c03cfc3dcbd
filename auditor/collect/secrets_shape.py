"""Classify environment variables as plaintext secrets *without keeping the value*.

Used by the ECS, Lambda and CodeBuild collectors: the value is inspected in
memory, then only the variable name and a verdict (with its kind) enter the
snapshot.

The value's shape decides first; the name is only a hint:

1. A reference is never a secret: a Secrets Manager / SSM / KMS ARN or
   ``{{resolve:...}}`` (``is_reference``), any other ARN, a path, a URL
   without credentials, a number, a boolean, a duration, a size, a template
   placeholder.
2. A known credential format is a secret whatever the name: AWS access key
   ids, GitHub / GitLab / Slack / Stripe / Google / OpenAI / SendGrid / npm /
   PyPI ... tokens, JWTs, PEM private keys, credentials inside a URL
   (``scheme://user:pass@host``), a password in a connection string.
3. A long random string (32+ characters mixing letters and digits, high
   entropy) is a secret whatever the name; hex-only strings and UUIDs are
   not (commit SHAs, hashes, request ids), unless the name says secret.
4. Otherwise the name decides, and only when a secret noun is the *head* of
   the name (``DB_PASSWORD``, ``STRIPE_SECRET_KEY``, ``apiToken``), matched
   token by token: ``AUTHOR``, ``OAUTH_ISSUER``, ``NEXTAUTH_URL``, ``PWD``,
   ``TOKEN_TTL``, ``SECRETS_PREFIX`` or ``ACCESS_KEY_MAX_AGE`` are not secret
   names. Even then an enum-like word, a placeholder or a value shorter than
   six characters is not taken for a credential.

Known limits: a value published on purpose under a secret-looking name is
still flagged when no word of the name says so (``PUSHER_APP_KEY`` is public,
``APP_KEY`` is Laravel's secret); a secret with no known format, no secret
name and no randomness (``BACKUP=hunter2``) is not.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from auditor.snapshot import EnvVar

# --- references and settings: never secrets ------------------------------------------

#: Values that point at a secret store instead of holding the secret.
_STORE_REFERENCE = re.compile(
    r"^(arn:aws[a-z-]*:(secretsmanager|ssm|kms):"
    r"|\{\{resolve:(secretsmanager|ssm|ssm-secure):"
    r"|\$\{(ssm|secretsmanager|aws:secretsmanager)[:/]"
    r"|(ssm|secretsmanager|sm|vault)://|(ssm|secretsmanager):/?[A-Za-z0-9])",
    re.IGNORECASE,
)
_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:")
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?$")
_BOOLEAN = frozenset(
    {"true", "false", "yes", "no", "on", "off", "enabled", "disabled", "enable", "disable", "y"}
    | {"n", "t", "f", "none", "null", "nil", "undefined", "0", "1"}
)
#: ``30s``, ``5m``, ``1h30m``, ``7d``, ``PT5M``, ``512MB``, ``10Gi``, ``1.5k``, ``80%``.
_QUANTITY = re.compile(
    r"^(\d+(\.\d+)?\s*(ms|us|ns|s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?"
    r"|w|weeks?|y|b|k|kb|kib|ki|m|mb|mib|mi|g|gb|gib|gi|t|tb|tib|ti|%)\s*)+$"
    r"|^P(\d+[YMWD])*(T(\d+[HMS])+)?$",
    re.IGNORECASE,
)
#: Words that name *how* a credential is provided, not the credential.
_MECHANISMS = frozenset(
    {"vault", "kms", "ssm", "env", "environment", "default", "iam", "instance-profile", "file"}
    | {"secretsmanager", "secrets-manager", "aws-secrets-manager", "parameter-store", "keychain"}
    | {"irsa", "oidc", "sts", "web-identity", "container", "ecs", "imds", "disabled", "required"}
)
_PATH = re.compile(
    r"^(~?/|\./|\.\./|[A-Za-z]:\\)[^\s]*$"  # absolute or relative file paths
    r"|^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*/$"  # a prefix: ``prod/``
    r"|^[a-z0-9_.-]+(/[a-z0-9_.-]+)+$"  # a secret or parameter name: ``prod/db-password``
)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s]*$", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"^(changeme|change[-_]?me|placeholder|redacted|todo|tbd|dummy|example|xxx+|\*+|<[^>]*>"
    r"|\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|%\([^)]*\)s|\{\{[^}]*\}\}|password|secret|token|test"
    r"|not[-_ ]?set|unset|n/?a|-|.*\b(your|replace|insert)\b.*|.*[-_]here)$",
    re.IGNORECASE,
)

# --- credential formats: secrets whatever the name ----------------------------------

_B64 = r"[A-Za-z0-9+/]"
_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private-key", re.compile(r"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----")),
    (
        "aws-access-key-id",
        re.compile(r"(?<![A-Z0-9])(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"),
    ),
    ("github-token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})")),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("slack-token", re.compile(r"\b(xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{20,})")),
    (
        "slack-webhook",
        re.compile(r"hooks\.slack\.com/(services|workflows)/T[A-Z0-9]+/[A-Z0-9]+/[A-Za-z0-9]{8,}"),
    ),
    (
        "discord-webhook",
        re.compile(r"discord(app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{40,}"),
    ),
    ("stripe-key", re.compile(r"\b([sr]k_(live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{24,})")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])")),
    ("openai-key", re.compile(r"\bsk-(proj-|ant-(api|admin)\d\d-)?[A-Za-z0-9_-]{32,}")),
    ("sendgrid-key", re.compile(r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}")),
    ("npm-token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("pypi-token", re.compile(r"\bpypi-AgE[A-Za-z0-9_-]{50,}")),
    ("huggingface-token", re.compile(r"\bhf_[A-Za-z0-9]{34,}\b")),
    ("shopify-token", re.compile(r"\bshp(at|ss|ca|pa)_[a-fA-F0-9]{32}\b")),
    ("twilio-key", re.compile(r"\bSK[0-9a-f]{32}\b")),
    ("mailgun-key", re.compile(r"\bkey-[0-9a-f]{32}\b")),
    (
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}"),
    ),
    # scheme://user:password@host, also with an empty user (redis://:pw@host)
    ("url-with-password", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@", re.IGNORECASE)),
    (
        "url-with-token",
        re.compile(
            r"[?&](access_token|api_?key|apikey|token|secret|client_secret|password|sig"
            r"|signature)=[A-Za-z0-9%+/_.-]{16,}",
            re.IGNORECASE,
        ),
    ),
    (
        "connection-string-password",
        re.compile(r"(^|;)\s*(password|pwd|accountkey|sharedaccesskey)\s*=\s*[^;\s]{4,}", re.I),
    ),
)
#: A publishable key is meant to be shipped to browsers: not a secret.
_PUBLISHABLE = re.compile(r"^(pk_(live|test)_|pub-|pk\.)")

#: A 40-character AWS secret access key, when the name says so.
_AWS_SECRET_KEY = re.compile(rf"^{_B64}{{40}}$")
_RANDOM = re.compile(r"^[A-Za-z0-9+/=_.~-]+$")
_HEX_OR_UUID = re.compile(
    r"^([0-9a-fA-F]+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)

# --- the name as a hint ---------------------------------------------------------------

#: Nouns that make a name a secret name when they are its head (its last word).
_SECRET_HEADS = frozenset(
    {"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIALS", "CREDENTIAL"}
    | {"APIKEY", "PASS", "PWD", "SALT", "PEPPER", "PAT"}
)
#: ``X_KEY`` is a secret name only for these ``X`` (not CACHE_KEY, SORT_KEY, S3_KEY).
_KEY_QUALIFIERS = frozenset(
    {"API", "ACCESS", "SECRET", "PRIVATE", "SIGNING", "ENCRYPTION", "MASTER", "HMAC", "APP"}
    | {"CLIENT", "LICENSE", "ADMIN", "SERVICE", "WRITE", "DEPLOY", "AUTH", "JWT", "SESSION"}
    | {"WEBHOOK", "CIPHER", "CRYPTO", "ROLE", "INTEGRATION", "ROUTING"}
)
#: Words that may follow the head without changing what the variable holds.
_TRAILERS = frozenset({"VALUE", "B64", "BASE64", "PEM", "RAW", "PLAIN", "PLAINTEXT", "STR", "BASE"})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
#: ``PWD`` alone (and ``OLDPWD``) is the shell's working directory.
_SHELL_NAMES = frozenset({"PWD", "OLDPWD"})


def name_words(name: str) -> list[str]:
    """``dbPassword`` / ``DB_PASSWORD`` / ``db-password`` -> ``["DB", "PASSWORD"]``."""
    return [w.upper() for w in _WORD.findall(name)]


def secret_head(name: str) -> str:
    """The secret noun heading ``name`` (``PASSWORD``, ``API_KEY``...), or ``""``."""
    if name.upper() in _SHELL_NAMES:
        return ""
    words = name_words(name)
    while words and (words[-1] in _TRAILERS or words[-1].isdigit()):
        words.pop()
    if not words:
        return ""
    head = words[-1]
    if head in _SECRET_HEADS:
        return head
    if head == "KEY" and len(words) >= 2 and words[-2] in _KEY_QUALIFIERS:
        return f"{words[-2]}_KEY"
    return ""


#: Head words of names that hold public or identifying data, random-looking by design.
_BENIGN_HEADS = frozenset(
    {"ID", "IDS", "ARN", "NAME", "URL", "URI", "HOST", "HOSTNAME", "ENDPOINT", "PATH", "DIGEST"}
    | {"HASH", "SHA", "CHECKSUM", "ETAG", "FINGERPRINT", "CERT", "CERTIFICATE", "VERSION", "TAG"}
    | {"REVISION", "COMMIT", "RELEASE", "BUILD", "REGION", "BUCKET", "PREFIX", "ISSUER", "AUDIENCE"}
)


#: Words that mark a value as published on purpose (a site key, a public key).
_PUBLIC_WORDS = frozenset({"PUBLIC", "PUB", "PUBLISHABLE", "SITE", "ANON"})


def _benign_name(name: str) -> bool:
    words = [w for w in name_words(name) if not w.isdigit()]
    return bool(words) and (words[-1] in _BENIGN_HEADS or bool(_PUBLIC_WORDS & set(words)))


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _is_setting(value: str) -> bool:
    """A number, boolean, duration, size, path, placeholder or URL without credentials."""
    v = value.strip()
    return (
        not v
        or v.lower() in _BOOLEAN
        or bool(_NUMBER.match(v) or _QUANTITY.match(v) or _PATH.match(v))
        or bool(_PLACEHOLDER.match(v) or _URL.match(v))
    )


def _looks_random(value: str) -> bool:
    """32+ characters of a token alphabet mixing cases and digits, with high entropy."""
    if len(value) < 32 or not _RANDOM.match(value) or _HEX_OR_UUID.match(value):
        return False
    mixed = (
        any(c.islower() for c in value)
        and any(c.isupper() for c in value)
        and any(c.isdigit() for c in value)
    )
    return mixed and _entropy(value) >= 4.2


def _value_kind(value: str) -> str:
    """The credential format ``value`` has, or ``""``."""
    if _PUBLISHABLE.match(value):
        return ""
    for kind, pattern in _FORMATS:
        if pattern.search(value):
            return kind
    return "high-entropy" if _looks_random(value) else ""


def classify_env(name: str, value: str) -> EnvVar:
    """Judge one variable; the returned model never contains ``value``."""
    v = value.strip()
    if _STORE_REFERENCE.match(v):
        return EnvVar(name=name, looks_secret=False, is_reference=True)
    if _ARN.match(v):
        # An ARN names a resource (a topic, a bucket, a role); generated names in it
        # look random but are identifiers, not credentials.
        return EnvVar(name=name, looks_secret=False)
    kind = _value_kind(v)
    if kind == "high-entropy" and _benign_name(name):
        # a public key, a digest or an id: random by design, not a credential
        kind = ""
    if kind:
        return EnvVar(name=name, looks_secret=True, reason=f"value:{kind}")
    head = secret_head(name)
    if not head or _is_setting(v) or _PUBLISHABLE.match(v) or len(v) < 6:
        return EnvVar(name=name, looks_secret=False)
    if _AWS_SECRET_KEY.match(v) and head in {"SECRET_KEY", "ACCESS_KEY"}:
        return EnvVar(name=name, looks_secret=True, reason="value:aws-secret-access-key")
    if " " in v and len(v.split()) > 3:
        return EnvVar(name=name, looks_secret=False)  # a sentence, not a credential
    if v.lower() in _MECHANISMS:
        return EnvVar(name=name, looks_secret=False)  # a backend name: ``vault``
    return EnvVar(name=name, looks_secret=True, reason=f"name:{head}")
