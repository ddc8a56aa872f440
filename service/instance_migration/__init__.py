"""Moving running instances from one version of a process to another (issue 12 point 7): a dry run that
gives each instance's verdict (verdicts.py), and a job that moves them one by one (jobs.py starts and reads
it, worker.py works through it, moving.py moves one instance). The engine side is
service/engine/migration.py; the reasoning is docs/decisions/0015-instance-migration.md.
"""
