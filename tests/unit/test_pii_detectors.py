"""Each PII detector on values it must find and look-alikes it must leave alone."""

from __future__ import annotations

import pytest

from mcp_service.adapters.pii_detectors import PatternPiiDetector

DETECTOR = PatternPiiDetector("US")

FOUND = [
    ("EMAIL", "write to dana.q+news@mail.example.co.uk today", "dana.q+news@mail.example.co.uk"),
    ("EMAIL", "<ops@acme.io>", "ops@acme.io"),
    ("PHONE", "call +1 415-555-2671 please", "+1 415-555-2671"),
    ("PHONE", "office (415) 555-2671", "(415) 555-2671"),
    ("PHONE", "Berlin: +49 30 1234567", "+49 30 1234567"),
    ("CARD", "card 4111 1111 1111 1111 exp 12/29", "4111 1111 1111 1111"),
    ("CARD", "amex 378282246310005.", "378282246310005"),
    ("CARD", "mc 5555-5555-5555-4444", "5555-5555-5555-4444"),
    ("IBAN", "IBAN DE89 3704 0044 0532 0130 00 OK", "DE89 3704 0044 0532 0130 00"),
    ("IBAN", "pay GB82WEST12345698765432 now", "GB82WEST12345698765432"),
    ("SSN", "ssn 123-45-6789.", "123-45-6789"),
    ("IP", "from 192.168.1.20 at noon", "192.168.1.20"),
    ("IP", "host 2001:db8::8a2e:370:7334 down", "2001:db8::8a2e:370:7334"),
    ("SECRET", "key sk-proj-abcdefghijklmnopqrstuvwx12", "sk-proj-abcdefghijklmnopqrstuvwx12"),
    ("SECRET", "aws AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    (
        "SECRET",
        "bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3",
    ),
    (
        "SECRET",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY----- rest",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
    ),
]

NOT_FOUND = [
    ("EMAIL", "see user@localhost or a@b and @mention"),
    ("PHONE", "order 12345 shipped on 2024-01-15 at 10:30"),
    ("CARD", "order number 1234567890123456 (fails Luhn)"),
    ("CARD", "tracking 4111111111111112"),
    ("IBAN", "code DE00 3704 0044 0532 0130 00 has a bad checksum"),
    ("SSN", "not issued: 000-12-3456, 666-12-3456, 078-05-1120"),
    ("IP", "version 3.11.4 and 999.1.1.1 and std::vector and 12:30:45"),
    ("SECRET", "sk-short and AKIA123 and eyJnotajwt.eyJalsonot.x and 'BEGIN PUBLIC KEY'"),
    ("SECRET", "a task-management-system-for-everyone-here"),
]


@pytest.mark.parametrize(("kind", "text", "value"), FOUND)
def test_detects(kind: str, text: str, value: str) -> None:
    found = [(f.kind, f.value) for f in DETECTOR.find(text)]
    assert (kind, value) in found
    start = text.index(value)
    assert any(f.start == start and f.end == start + len(value) for f in DETECTOR.find(text))


@pytest.mark.parametrize(("kind", "text"), NOT_FOUND)
def test_leaves_look_alikes_alone(kind: str, text: str) -> None:
    assert [f for f in DETECTOR.find(text) if f.kind == kind] == []


def test_a_card_number_is_not_also_a_phone_number() -> None:
    found = DETECTOR.find("pay with 4111 1111 1111 1111 or call 415-555-2671")
    assert [f.kind for f in found] == ["CARD", "PHONE"]


def test_plain_prose_has_no_findings() -> None:
    text = "Employees accrue 2.5 vacation days per month; unused days expire on March 31."
    assert DETECTOR.find(text) == []
