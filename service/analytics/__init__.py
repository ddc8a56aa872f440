"""Analyses over many instances for auditors and supervisors.

stalls.report(...)     per element of a flow: instances passed, working days taken, returns, overdue
stalls.instances(...)  the instances behind one of those numbers, paged
"""
