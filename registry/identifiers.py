"""Check characters of the two national identifiers a party is known by.

统一社会信用代码 (unified social credit code, GB 32100-2015) for organisations and village collectives, and
the resident identity number (GB 11643, ISO 7064 MOD 11-2) for natural persons. Both carry a check
character, so a typing mistake is caught here, before a right is confirmed to the wrong holder.
"""

import datetime as dt

from registry.errors import InvalidIdentifier

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_RESIDENT_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_RESIDENT_CHECK = "10X98765432"


class CreditCodeMalformed(InvalidIdentifier):
    title = "Credit code malformed"
    template = (
        "a unified social credit code (统一社会信用代码) has 18 characters from 0-9 and A-Y "
        "without I, O, S, V, Z"
    )


class CreditCodeCheckFailed(InvalidIdentifier):
    title = "Credit code check failed"
    template = "the check character is {found}; the first 17 characters make it {expected}"


class ResidentIdMalformed(InvalidIdentifier):
    title = "Resident ID malformed"
    template = "a resident ID has 17 digits and a check digit or X"


class ResidentIdBirthDateInvalid(InvalidIdentifier):
    title = "Resident ID birth date invalid"
    template = "characters 7-14 of a resident ID are a birth date; {birth_date} is not a date"


class ResidentIdCheckFailed(InvalidIdentifier):
    title = "Resident ID check failed"
    template = "the check character is {found}; the first 17 digits make it {expected}"


def credit_code_check_char(first17: str) -> str:
    """Return the 18th character that GB 32100-2015 computes from the first 17."""
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: str, *, field: str = "credit_code") -> str:
    """Return ``code`` if it is a well-formed credit code with the right check character."""
    if len(code) != 18 or any(c not in CREDIT_CODE_ALPHABET for c in code):
        raise CreditCodeMalformed(field)
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise CreditCodeCheckFailed(field, found=code[17], expected=expected)
    return code


def resident_id_check_char(first17: str) -> str:
    """Return the 18th character that ISO 7064 MOD 11-2 computes from the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _RESIDENT_WEIGHTS, strict=True))
    return _RESIDENT_CHECK[total % 11]


def validate_resident_id(number: str, *, field: str = "resident_id") -> str:
    """Return ``number`` if it is an 18-character resident ID with a real birth date and check."""
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise ResidentIdMalformed(field)
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ResidentIdBirthDateInvalid(field, birth_date=number[6:14]) from None
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        raise ResidentIdCheckFailed(field, found=number[17], expected=expected)
    return number


def mask_resident_id(number: str) -> str:
    """Show only the first and last four characters: enough to recognise, not to misuse."""
    return number[:4] + "*" * 10 + number[-4:]
