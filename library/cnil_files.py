#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: files the toolkit owns whole, written from content in one module call."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_files
short_description: Write files the toolkit owns whole (content, owner, group, mode) in one call
description:
  - Each file of C(files) gets exactly C(content), C(owner), C(group) and C(mode). The content is rendered on the
    controller (C(lookup('ansible.builtin.template', ...)) or a plain string), so the PC receives one module call
    per task, where C(ansible.builtin.template) and C(ansible.builtin.copy) cost five commands per file (temporary
    folder, C(stat), transfer, C(copy), clean-up) even when nothing changes. The audit of a cabinet is mostly such
    reads, and each command costs the same over a slow connection.
  - In check mode nothing is written and C(changed) says exactly whether a real run would change something.
    With C(--diff), the old and new content of each changed file, and the old and new owner, group and mode.
  - A file is replaced atomically (written beside it, then renamed). Its folder must exist (the package that owns
    it installs it); in check mode a missing folder only means the file would be created.
  - Not for files that need a validator before they are put in place (sudoers, sshd_config); use
    C(ansible.builtin.template) with C(validate) for those.
  - >-
    C(directories) are made (or given their owner, group and mode) before the files, in the same call, for a
    folder the toolkit owns itself (the local facts folder), so one call replaces a C(file) task and this one.
options:
  directories:
    description: Folders made first, parents included, each with its owner, group and mode.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the folder.
        type: path
        required: true
      owner:
        description: Owner.
        type: str
        default: root
      group:
        description: Group.
        type: str
        default: root
      mode:
        description: Permissions, as an octal string such as C("0755").
        type: str
        default: "0755"
  files:
    description: The files, each written whole.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path of the file.
        type: path
        required: true
      content:
        description: The whole content of the file (text).
        type: str
        required: true
      owner:
        description: Owner.
        type: str
        default: root
      group:
        description: Group.
        type: str
        default: root
      mode:
        description: Permissions, as an octal string such as C("0644").
        type: str
        default: "0644"
      title:
        description:
          - What this file makes true, as a person would say it. When one file of the call has a title, the call
            returns C(parts), one per file, and the report names a changed file by its title after the task's name
            (several files of one control in one call, each still named by an audit that finds it drifted).
        type: str
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-LOCK-01 | shell idle timeout (read-only TMOUT)
  cnil_files:
    files:
      - path: /etc/profile.d/cnil-tmout.sh
        content: "{{ lookup('ansible.builtin.template', 'etc/profile.d/cnil-tmout.sh.j2') }}"

- name: CNIL-BKP-01 | repository password, root only
  cnil_files:
    files:
      - path: /etc/cnil-backup/password
        content: "{{ cnil_bkp_password }}\n"
        mode: "0600"
  no_log: true
"""

RETURN = r"""
directories:
  description: One entry per folder of C(directories), in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The folder.
      type: str
    changed:
      description: Whether it was (or, in check mode, would be) made or given its owner, group or mode.
      type: bool
    created:
      description: Whether it did not exist.
      type: bool
files:
  description: One entry per file, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file.
      type: str
    changed:
      description: Whether the file was (or, in check mode, would be) changed.
      type: bool
    content_changed:
      description: Whether its content differs (or the file does not exist).
      type: bool
    created:
      description: Whether the file did not exist.
      type: bool
parts:
  description: When a file has a C(title), one entry per folder (its path) and per file (C(title), or the path for a
    file without one), with C(changed) and that folder's or file's C(diff).
  returned: when a file has a title
  type: list
  elements: dict
"""

import grp
import os
import pwd
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text


def read_bytes(path):
    """The file's bytes, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def ids(module, owner, group):
    """uid and gid of the names (or numbers) given."""
    try:
        uid = int(owner) if owner.isdigit() else pwd.getpwnam(owner).pw_uid
        gid = int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
    except KeyError as exc:
        module.fail_json(msg="cnil_files: no such user or group on this host: %s" % exc)
    return uid, gid


def write_atomically(module, spec, data):
    """Write beside the file with its final owner and mode, then rename over it: a reader never sees half a file,
    and a secret is never readable by others, even for an instant."""
    path = spec["path"]
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".cnil-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chown(tmp, *ids(module, spec["owner"], spec["group"]))
        os.chmod(tmp, int(spec["mode"], 8))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def text_for_diff(data):
    """Content for --diff, or a note for what is not text."""
    if data is None:
        return ""
    if b"\x00" in data:
        return "(binary content, %d bytes)\n" % len(data)
    return to_text(data, errors="surrogate_or_replace")


def validate(module, spec, folder=False):
    """Every file's and folder's input is checked before the first one is written."""
    path = spec["path"]
    if not os.path.isabs(path):
        module.fail_json(msg="cnil_files: %s is not an absolute path" % path)
    if folder and os.path.exists(path) and not os.path.isdir(path):
        module.fail_json(msg="cnil_files: %s should be a folder and is a file: remove or move it, then run again" % path)
    if not folder and os.path.isdir(path):
        module.fail_json(msg="cnil_files: %s is a folder, not a file: remove or move it, then run again" % path)
    try:
        int(spec["mode"], 8)
    except (TypeError, ValueError):
        module.fail_json(msg="cnil_files: mode %r of %s is not an octal string such as \"0644\"" % (spec["mode"], path))
    ids(module, spec["owner"], spec["group"])


def apply_directory(module, spec):
    path = spec["path"]
    created = not os.path.isdir(path)
    diffs = []
    if created:
        diffs.append({"before": {"path": path, "state": "absent"}, "after": {"path": path, "state": "directory"}})
        if module.check_mode:
            return {"path": path, "changed": True, "created": True}, diffs
        os.makedirs(path, mode=0o700)  # given its own mode below, never wider on the way
    file_args = module.load_file_common_arguments({"path": path, "owner": spec["owner"], "group": spec["group"],
                                                   "mode": spec["mode"]})
    attr_diff = {"before": {"path": path}, "after": {"path": path}}
    attrs_changed = module.set_fs_attributes_if_different(file_args, False, diff=attr_diff)
    if attrs_changed and not created:
        diffs.append(attr_diff)
    return {"path": path, "changed": created or attrs_changed, "created": created}, diffs


def apply_file(module, spec):
    path = spec["path"]
    wanted = to_bytes(spec["content"], errors="surrogate_or_strict")
    current = read_bytes(path)
    created = current is None
    content_changed = current != wanted
    diffs = []
    if content_changed:
        diffs.append({"before_header": path, "after_header": path,
                      "before": text_for_diff(current), "after": text_for_diff(wanted)})
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            if not module.check_mode:
                module.fail_json(msg="cnil_files: the folder %s of %s does not exist: the package that provides it is "
                                     "not installed, or the path is wrong" % (folder, path))
        elif not module.check_mode:
            write_atomically(module, spec, wanted)
    attrs_changed = False
    if not (module.check_mode and created):
        file_args = module.load_file_common_arguments({"path": path, "owner": spec["owner"], "group": spec["group"],
                                                       "mode": spec["mode"]})
        attr_diff = {"before": {"path": path}, "after": {"path": path}}
        attrs_changed = module.set_fs_attributes_if_different(file_args, False, diff=attr_diff)
        if attrs_changed and not content_changed:
            diffs.append(attr_diff)
    return {"path": path, "changed": content_changed or attrs_changed, "content_changed": content_changed,
            "created": created}, diffs


def attributes(mode):
    """Owner, group and mode options, the same for files and folders (only the default mode differs)."""
    return dict(owner=dict(type="str", default="root"), group=dict(type="str", default="root"),
                mode=dict(type="str", default=mode))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            directories=dict(type="list", elements="dict", default=[], options=dict(
                path=dict(type="path", required=True), **attributes("0755"))),
            files=dict(type="list", elements="dict", required=True, options=dict(
                path=dict(type="path", required=True), content=dict(type="str", required=True),
                title=dict(type="str"), **attributes("0644"))),
        ),
        supports_check_mode=True,
    )
    paths = [spec["path"] for spec in module.params["files"]]
    if len(set(paths)) != len(paths):
        module.fail_json(msg="cnil_files: a file is listed twice: %s" % ", ".join(sorted({p for p in paths if paths.count(p) > 1})))
    for spec in module.params["directories"]:
        validate(module, spec, folder=True)
    for spec in module.params["files"]:
        validate(module, spec)
    folders, results, diffs, parts = [], [], [], []
    for spec in module.params["directories"]:
        result, dir_diffs = apply_directory(module, spec)
        folders.append(result)
        diffs += dir_diffs
        parts.append({"title": spec["path"], "changed": result["changed"], "diff": dir_diffs})
    for spec in module.params["files"]:
        result, file_diffs = apply_file(module, spec)
        results.append(result)
        diffs += file_diffs
        parts.append({"title": spec["title"] or spec["path"], "changed": result["changed"], "diff": file_diffs})
    extra = {"parts": parts} if any(spec["title"] for spec in module.params["files"]) else {}
    module.exit_json(changed=any(r["changed"] for r in folders + results), directories=folders, files=results,
                     diff=diffs, **extra)


if __name__ == "__main__":
    main()
