"""cnil_files: files owned whole, written in one module call; exact check mode, diff, idempotence, attributes,
secrets never readable by others, clear failures."""
import json
import os
import stat
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(ROOT, "library", "cnil_files.py")


def run(tmp_path, files, check=False, directories=None):
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"files": files, "_ansible_check_mode": check,
                                                           "directories": directories or [], "_ansible_diff": True}}))
    proc = subprocess.run([sys.executable, MODULE, str(argfile)], capture_output=True, text=True)
    return json.loads(proc.stdout)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_check_mode_predicts_a_new_file_and_writes_nothing(tmp_path):
    target = tmp_path / "cnil.conf"
    out = run(tmp_path, [{"path": str(target), "content": "a = 1\n"}], check=True)
    assert out["changed"] is True and out["files"][0]["created"] is True
    assert not target.exists()
    assert out["diff"][0]["after"] == "a = 1\n" and out["diff"][0]["before"] == ""


def test_write_then_nothing_to_do_in_apply_and_in_check_mode(tmp_path):
    files = [{"path": str(tmp_path / "one"), "content": "x\n"}, {"path": str(tmp_path / "two"), "content": "y", "mode": "0600"}]
    first = run(tmp_path, files)
    assert first["changed"] is True and [f["changed"] for f in first["files"]] == [True, True]
    assert (tmp_path / "one").read_text() == "x\n" and (tmp_path / "two").read_text() == "y"
    assert mode_of(tmp_path / "one") == 0o644 and mode_of(tmp_path / "two") == 0o600
    for check in (False, True):
        again = run(tmp_path, files, check=check)
        assert again["changed"] is False and again["diff"] == [], again


def test_a_drifted_file_is_reported_with_its_diff_and_restored(tmp_path):
    target = tmp_path / "20auto-upgrades"
    files = [{"path": str(target), "content": 'APT::Periodic::Unattended-Upgrade "1";\n'}]
    run(tmp_path, files)
    target.write_text('APT::Periodic::Unattended-Upgrade "0";\n')
    audit = run(tmp_path, files, check=True)
    assert audit["changed"] is True and audit["files"][0]["content_changed"] is True
    assert '"0"' in audit["diff"][0]["before"] and '"1"' in audit["diff"][0]["after"]
    assert '"0"' in target.read_text(), "check mode wrote the file"
    assert run(tmp_path, files)["changed"] is True
    assert target.read_text() == files[0]["content"]


def test_right_content_wrong_mode_or_owner_is_a_change(tmp_path):
    target = tmp_path / "password"
    files = [{"path": str(target), "content": "secret\n", "mode": "0600"}]
    run(tmp_path, files)
    os.chmod(target, 0o644)
    audit = run(tmp_path, files, check=True)
    assert audit["changed"] is True and audit["files"][0]["content_changed"] is False
    assert audit["diff"][0]["before"]["mode"] == "0644" and audit["diff"][0]["after"]["mode"] == "0600"
    assert mode_of(target) == 0o644
    assert run(tmp_path, files)["changed"] is True and mode_of(target) == 0o600
    if os.geteuid() == 0:
        os.chown(target, 65534, 65534)
        assert run(tmp_path, files, check=True)["changed"] is True
        run(tmp_path, files)
        assert (os.stat(target).st_uid, os.stat(target).st_gid) == (0, 0)


def test_a_secret_file_is_never_readable_by_others_even_while_written(tmp_path, monkeypatch):
    # The temporary file gets the final mode before it is renamed into place.
    sys.path.insert(0, os.path.dirname(MODULE))
    import cnil_files

    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(mode_of(src))
        real_replace(src, dst)

    class Module:
        check_mode = False

        def fail_json(self, **kw):
            raise AssertionError(kw)

    monkeypatch.setattr(cnil_files.os, "replace", spy)
    user = "root" if os.geteuid() == 0 else str(os.geteuid())
    group = "root" if os.geteuid() == 0 else str(os.getegid())
    cnil_files.write_atomically(Module(), {"path": str(tmp_path / "pw"), "owner": user, "group": group, "mode": "0600"}, b"s")
    assert seen == [0o600]
    assert [p.name for p in tmp_path.iterdir()] == ["pw"], "a temporary file was left behind"


def test_a_missing_folder_is_a_change_in_check_mode_and_a_clear_failure_in_apply(tmp_path):
    files = [{"path": str(tmp_path / "absent" / "freshclam.conf"), "content": "x\n"}]
    assert run(tmp_path, files, check=True)["changed"] is True
    out = run(tmp_path, files)
    assert out["failed"] is True and "does not exist" in out["msg"] and "absent" in out["msg"]


def test_bad_input_fails_before_anything_is_written(tmp_path):
    out = run(tmp_path, [{"path": str(tmp_path / "a"), "content": "x"},
                         {"path": str(tmp_path / "b"), "content": "x", "mode": "rw-r--r--"}])
    assert out["failed"] is True and "octal" in out["msg"] and not (tmp_path / "a").exists()
    out = run(tmp_path, [{"path": str(tmp_path / "a"), "content": "x", "owner": "no-such-user-cnil"}])
    assert out["failed"] is True and "no-such-user-cnil" in out["msg"] and not (tmp_path / "a").exists()
    out = run(tmp_path, [{"path": str(tmp_path / "a"), "content": "x"}, {"path": str(tmp_path / "a"), "content": "y"}])
    assert out["failed"] is True and "listed twice" in out["msg"]
    (tmp_path / "d").mkdir()
    out = run(tmp_path, [{"path": str(tmp_path / "d"), "content": "x"}])
    assert out["failed"] is True and "is a folder" in out["msg"]


def test_directories_are_made_first_in_the_same_call_with_exact_check_mode(tmp_path):
    folder = tmp_path / "etc" / "ansible" / "facts.d"
    files = [{"path": str(folder / "cnil.fact"), "content": "{}\n"}]
    dirs = [{"path": str(folder), "mode": "0755"}]
    me = {"owner": str(os.getuid()), "group": str(os.getgid())}
    files[0].update(me)
    dirs[0].update(me)
    predicted = run(tmp_path, files, check=True, directories=dirs)
    assert predicted["changed"] and predicted["directories"][0]["created"] and not folder.exists()
    made = run(tmp_path, files, directories=dirs)
    assert made["changed"] and folder.is_dir() and mode_of(folder) == 0o755 and (folder / "cnil.fact").read_text() == "{}\n"
    assert not run(tmp_path, files, check=True, directories=dirs)["changed"]
    assert not run(tmp_path, files, directories=dirs)["changed"]
    os.chmod(folder, 0o777)  # right folder, wrong mode: a change, reported then repaired
    assert run(tmp_path, files, check=True, directories=dirs)["changed"] and mode_of(folder) == 0o777
    assert run(tmp_path, files, directories=dirs)["changed"] and mode_of(folder) == 0o755


def test_a_file_where_a_directory_is_wanted_fails_before_anything_is_written(tmp_path):
    (tmp_path / "taken").write_text("x")
    out = run(tmp_path, [{"path": str(tmp_path / "new.txt"), "content": "y"}],
              directories=[{"path": str(tmp_path / "taken")}])
    assert out["failed"] and "should be a folder" in out["msg"] and not (tmp_path / "new.txt").exists()


def test_titled_files_are_reported_part_by_part_so_an_audit_names_the_file_that_drifted(tmp_path):
    """Several files of one control in one call: each is a part named by its title (the report's change name)."""
    files = [{"path": str(tmp_path / "20auto-upgrades"), "content": "a\n", "title": "automatic updates every day"},
             {"path": str(tmp_path / "52cnil"), "content": "b\n", "title": "security archive allowed"}]
    run(tmp_path, files)
    (tmp_path / "52cnil").write_text("drifted\n")
    audit = run(tmp_path, files, check=True)
    assert [(p["title"], p["changed"]) for p in audit["parts"]] == [
        ("automatic updates every day", False), ("security archive allowed", True)]
    changed = audit["parts"][1]
    assert changed["diff"][0]["before"] == "drifted\n" and changed["diff"][0]["after"] == "b\n"
    assert audit["parts"][0]["diff"] == []
    # Without a title the result is as before: no parts (the task name alone names the change).
    untitled = run(tmp_path, [{"path": str(tmp_path / "one"), "content": "x\n"}], check=True)
    assert "parts" not in untitled and untitled["changed"] is True
