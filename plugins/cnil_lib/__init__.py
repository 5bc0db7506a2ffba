# cnil-cabinet — GPL-3.0-or-later
"""Controller-side logic shared by the cnil_evidence action and the cnil_report callback.

Plain Python (no Ansible imports) so that the tests can exercise it without a playbook run.
The plugins put this folder's parent (plugins/) on sys.path and import it as ``cnil_lib``.
"""
