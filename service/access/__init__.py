"""Access control beyond the role checks of service.principal: the audit log, the password policy,
credentials (sign-in outcome, password changes, revoking sessions and tokens) and the security
administrator's use cases. See docs/decisions/0008-separation-of-duties.md."""
