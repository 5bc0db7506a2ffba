"""Helpers of the CNIL-PWD behaviour tests: passwords typed as a person would, through PAM."""
import shlex

# `passwd` asks on a terminal and flushes typed-ahead input when it turns echo off, so it is driven
# through a pseudo-terminal that answers each prompt once it is shown (the way a person types).
PTY_PASSWD = r'''
import os, pty, re, select, sys, time
argv = sys.argv[1:]
answers = {"current": os.environ["CUR"], "new": os.environ["NEW"], "retype": os.environ.get("RETYPE") or os.environ["NEW"]}
prompts = [(re.compile(r"(Current|\(current\) UNIX) password: ?$"), "current"),
           (re.compile(r"Retype new( UNIX)? password: ?$"), "retype"),
           (re.compile(r"New( UNIX)? password: ?$"), "new")]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, answered, deadline = b"", 0, time.time() + 60
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.2)
    if ready:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    pending = out[answered:].decode(errors="replace").rstrip(" ")
    for pattern, key in prompts:
        if pattern.search(pending + " "):
            time.sleep(0.1)
            os.write(fd, (answers[key] + "\n").encode())
            answered = len(out)
            break
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 99)
'''
SCRIPT = "/root/cnil-pty-passwd.py"


def passwd_on_a_terminal(host, argv, current, new, retype=None):
    """Run `passwd` (argv) on a pseudo-terminal, answering its prompts; returns testinfra's CommandResult."""
    host.run_expect([0], "cat > %s <<'EOF'\n%s\nEOF" % (SCRIPT, PTY_PASSWD))
    env = "CUR=%s NEW=%s RETYPE=%s" % (shlex.quote(current), shlex.quote(new), shlex.quote(retype or new))
    return host.run("%s python3 %s %s" % (env, SCRIPT, " ".join(shlex.quote(a) for a in argv)))


def pamtester(host, service, user, operations, *answers):
    """pamtester with the answers on its standard input (it reads them there, no terminal needed)."""
    feed = "".join(a + "\n" for a in answers)
    return host.run("printf %%s %s | pamtester -v %s %s %s" % (shlex.quote(feed), service, shlex.quote(user), operations))


def shadow_field(host, user, index):
    """One field of the user's shadow entry (read on the host; never printed by the tests)."""
    return host.check_output("getent shadow %s | cut -d: -f%d" % (shlex.quote(user), index + 1))


def make_user(host, user, password, shell="/bin/bash"):
    """A fresh account whose password is set by root (a compliant one: chpasswd goes through pwquality)."""
    host.run("userdel -r %s 2>/dev/null; faillock --user %s --reset 2>/dev/null" % (user, user))
    host.run_expect([0], "useradd -m -s %s %s" % (shell, user))
    host.run_expect([0], "printf %%s %s | chpasswd" % shlex.quote("%s:%s" % (user, password)))


def drop_user(host, user):
    host.run("userdel -r %s 2>/dev/null; faillock --user %s --reset 2>/dev/null; true" % (user, user))
