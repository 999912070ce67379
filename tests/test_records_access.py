"""Roles from the [access] settings: who is a viewer, an editor, an admin."""

from __future__ import annotations

import pytest

from dashboard.records.access import AccessRules, Role

RULES = AccessRules.from_mapping(
    {
        "editors": ["Name@MoST.gov.pk", "@most.gov.pk", "desk@partner.org"],
        "admins": ["it.admin@most.gov.pk"],
    }
)


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("name@most.gov.pk", Role.EDITOR),
        ("NAME@most.GOV.pk", Role.EDITOR),  # emails compare case-insensitively
        ("anyone@most.gov.pk", Role.EDITOR),  # "@domain" covers the whole domain
        ("Desk@Partner.org", Role.EDITOR),
        ("it.admin@most.gov.pk", Role.ADMIN),
        ("someone@evil-most.gov.pk", Role.VIEWER),  # not the listed domain
        ("someone@most.gov.pk.evil.com", Role.VIEWER),
        ("other@partner.org", Role.VIEWER),  # one address of partner.org, not its domain
        ("reader@gmail.com", Role.VIEWER),
    ],
)
def test_role_follows_the_access_table(email: str, role: Role) -> None:
    identity = RULES.identity_for(email)
    assert identity.role == role
    assert not identity.anonymous


@pytest.mark.parametrize("email", [None, "", "   ", "not-an-email"])
def test_no_email_is_anonymous_and_may_not_write(email: str | None) -> None:
    identity = RULES.identity_for(email)
    assert identity.anonymous
    assert not identity.may(Role.VIEWER)


def test_missing_access_table_means_public_read_and_no_editors() -> None:
    rules = AccessRules.from_mapping(None)
    assert rules.public_read is True
    assert rules.identity_for("name@most.gov.pk").role == Role.VIEWER


def test_public_read_can_be_switched_off() -> None:
    assert AccessRules.from_mapping({"public_read": False}).public_read is False
