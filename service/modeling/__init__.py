"""Process administration in the browser (issue 12): the modeler's working copies and the versions.

Public API:
- `drafts.open_draft / save_draft / save_form / discard / import_file` — the working copy (草稿) of a
  process, validated on every save and never run;
- `drafts.validate`, `drafts.check_expression` — the checks the modeler shows next to elements and fields;
- `drafts.deploy` — the working copy becomes a new version (through `process.definitions.publish`);
- `versions.list_versions / version / compare / forms_catalogue / draft_summaries` — reading.

Only 系统管理员 changes anything; 审计 reads the versions. Every save is in the audit log.
"""
