import pytest

from coderef.accounts.model import check_password, common_passwords, normalize_email
from coderef.errors import InvalidInput, WeakPassword


def test_emails_are_trimmed_and_lower_cased():
    assert normalize_email("  Coder@Example.ORG ") == "coder@example.org"


@pytest.mark.parametrize("bad", ["", "plain", "a@b", "a b@example.org", "@example.org"])
def test_bad_emails_are_refused(bad):
    with pytest.raises(InvalidInput):
        normalize_email(bad)


def test_password_length_rules_follow_nist():
    check_password("eight ch")
    check_password("p" * 128)
    with pytest.raises(WeakPassword):
        check_password("seven c")
    with pytest.raises(WeakPassword):
        check_password("p" * 129)


def test_common_passwords_are_refused_whatever_their_case():
    assert len(common_passwords()) > 1000
    for weak in ("password", "PASSWORD1", "qwerty123", "12345678", "iloveyou"):
        if len(weak) >= 8:
            with pytest.raises(WeakPassword):
                check_password(weak)


def test_the_email_name_is_not_accepted_as_the_password():
    with pytest.raises(WeakPassword):
        check_password("drsmithson", "drsmithson@example.org")
