"""PII and secret detection without model downloads.

Libraries where one fits: phone numbers by Google's libphonenumber (`phonenumbers`),
checksums by `python-stdnum` (Luhn for cards, ISO 13616 for IBANs, the SSA's rules and
known-invalid list for US SSNs), addresses by the stdlib's `ipaddress`. Regular
expressions only propose candidates; a candidate that fails its check is no finding.
Secrets are recognised by shape (API-key prefixes, JWTs, private-key blocks).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Callable, Iterator

import phonenumbers
from stdnum import iban, luhn
from stdnum.us import ssn

from mcp_service.domain.pii import Finding, resolve

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w-])"
)
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
# Issuer prefixes: Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro.
_CARD_IIN = re.compile(r"4|5[1-5]|2[2-7]|3[47]|6011|65|64[4-9]|35|3[068]|62|5[06-8]|6[37]")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}", re.IGNORECASE)
_SSN = re.compile(r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?=[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:)[0-9A-Fa-f:]{2,39}(?:%\w+)?(?![\w:])"
)
_SECRETS = [
    re.compile(r"(?<![\w-])sk-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_-]{20,}"),  # OpenAI, Anthropic …
    re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])"),  # AWS access key id
    re.compile(r"(?<![\w-])gh[pousr]_[A-Za-z0-9]{36,255}"),  # GitHub
    re.compile(r"(?<![\w-])xox[abprs]-[A-Za-z0-9-]{10,}"),  # Slack
    re.compile(r"(?<![\w-])mcp_[A-Za-z0-9_-]{43}(?![\w-])"),  # this service's own keys
    re.compile(
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----.*?"
        r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|\Z)",
        re.DOTALL,
    ),
]
_JWT = re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")


def _b64json(part: str) -> object:
    padded = part + "=" * (-len(part) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError):
        return None


def emails(text: str) -> Iterator[Finding]:
    for m in _EMAIL.finditer(text):
        if ".." not in m.group(0):
            yield Finding("EMAIL", m.start(), m.end(), m.group(0))


def cards(text: str) -> Iterator[Finding]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and _CARD_IIN.match(digits) and luhn.is_valid(digits):
            yield Finding("CARD", m.start(), m.end(), m.group(0))


def ibans(text: str) -> Iterator[Finding]:
    """The longest prefix of each candidate that is a valid IBAN (a candidate may run on
    into the next word)."""
    for m in _IBAN.finditer(text):
        candidate = m.group(0)
        for end in range(len(candidate), 14, -1):
            if candidate[end - 1] == " ":
                continue
            if iban.is_valid(candidate[:end]):
                yield Finding("IBAN", m.start(), m.start() + end, candidate[:end])
                break


def ssns(text: str) -> Iterator[Finding]:
    for m in _SSN.finditer(text):
        if ssn.is_valid(m.group(0).replace(" ", "-")):
            yield Finding("SSN", m.start(), m.end(), m.group(0))


def ips(text: str) -> Iterator[Finding]:
    for m in _IPV4.finditer(text):
        try:
            ipaddress.IPv4Address(m.group(0))
        except ValueError:
            continue
        yield Finding("IP", m.start(), m.end(), m.group(0))
    for m in _IPV6.finditer(text):
        try:
            ipaddress.IPv6Address(m.group(0))
        except ValueError:
            continue
        yield Finding("IP", m.start(), m.end(), m.group(0))


def secrets(text: str) -> Iterator[Finding]:
    for pattern in _SECRETS:
        for m in pattern.finditer(text):
            yield Finding("SECRET", m.start(), m.end(), m.group(0))
    for m in _JWT.finditer(text):
        header, payload = m.group(0).split(".")[:2]
        if isinstance(_b64json(header), dict) and isinstance(_b64json(payload), dict):
            yield Finding("SECRET", m.start(), m.end(), m.group(0))


class PatternPiiDetector:
    """Every detector above; phone numbers for `region` when written without a country
    code (international `+…` numbers are found whatever the region)."""

    def __init__(self, phone_region: str = "US") -> None:
        self.phone_region = phone_region.upper()
        self._detectors: list[Callable[[str], Iterator[Finding]]] = [
            secrets,
            emails,
            cards,
            ibans,
            ssns,
            ips,
            self.phones,
        ]

    def phones(self, text: str) -> Iterator[Finding]:
        matcher = phonenumbers.PhoneNumberMatcher(
            text, self.phone_region, leniency=phonenumbers.Leniency.VALID
        )
        for m in matcher:
            yield Finding("PHONE", m.start, m.end, m.raw_string)

    def find(self, text: str) -> list[Finding]:
        if not text:
            return []
        return resolve(f for detect in self._detectors for f in detect(text))
