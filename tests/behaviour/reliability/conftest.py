"""Reliability scenario: every run goes through SSH as the management account (prepare.yml wrote the inventory)."""
import os

import pytest

from cnil_testlib import Cnil
from rel_lib import SSH_INVENTORY


@pytest.fixture(scope="session")
def ssh_cnil(tmp_path_factory):
    if not os.path.exists(SSH_INVENTORY):
        pytest.fail("no SSH inventory: run through `molecule test -s reliability` (prepare.yml writes it)")
    return Cnil(SSH_INVENTORY, str(tmp_path_factory.mktemp("cnil-ssh")))


@pytest.fixture(scope="session")
def pcs():
    """{name: IP address} from the SSH inventory."""
    import yaml
    hosts = yaml.safe_load(open(SSH_INVENTORY))["all"]["children"]["cnil_linux"]["hosts"]
    return {name: v["ansible_host"] for name, v in hosts.items()}
