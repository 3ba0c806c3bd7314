"""`solnet demo` end to end: the real command starts four real nodes, fills them with sample data
that spreads to every node, keeps publishing, and on Ctrl-C leaves nothing running or on disk."""
from __future__ import annotations

import http.cookiejar
import json
import re
import signal
import subprocess
import urllib.request
from pathlib import Path

from demo_process import DemoRun, solnet_json
from demo_process import env as demo_env
from link_login import open_link
from local_cluster import event_ids, still_running

from node.demo import localnet
from node.demo.samples import GROUPS

GROUP_NAMES = [name for name, _ in GROUPS]
SPREAD_TIMEOUT_S = 60.0


def homes_of(run: DemoRun) -> dict[str, Path]:
    folder = run.homes_folder()
    return {name: localnet.home_dir(folder, name) for name in GROUP_NAMES}


def test_demo_spreads_sample_data_keeps_publishing_and_stops_cleanly_on_ctrl_c(demo) -> None:
    run = demo("--seed", "7")
    run.wait_ready()
    urls = run.urls()
    assert sorted(urls) == sorted(GROUP_NAMES), run.output
    assert "solidarity demo" in run.output  # the passphrase to log in with
    ports = [port for _, port in urls.values()]
    assert len(set(ports)) == 4
    for url, _ in urls.values():
        with urllib.request.urlopen(url + "healthz", timeout=10) as response:
            assert json.load(response)["ok"] is True
    # A newcomer opens a printed link: logged in, the publish form is theirs; the link works once.
    calais_link, calais_url = run.login_links()["Calais"], urls["Calais"][0]
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    status, at, page = open_link(browser, calais_link)  # opened, its "Log in" pressed
    assert (status, at) == (200, calais_url) and "Log out" in page
    with browser.open(calais_url + "publish/action", timeout=10) as response:
        assert response.url == calais_url + "publish/action"
    other = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    assert open_link(other, calais_link)[0] == 403, "a printed login link works once"
    # The command it prints for new links runs as printed, in a shell where `solnet` may not be on
    # the PATH yet (the README's first command runs `.venv/bin/solnet demo`): it printed `solnet ...`
    printed = re.search(r"new links: `([^`]+)`", run.output)
    assert printed, run.output
    fresh_terminal = {**demo_env(), "PATH": "/usr/bin:/bin"}  # no venv activated
    made = subprocess.run(["sh", "-c", printed[1]], capture_output=True, text=True, timeout=60, env=fresh_terminal,
                          stdin=subprocess.DEVNULL)
    assert made.returncode == 0 and "/login/link?token=" in made.stdout, (printed[1], made.stdout, made.stderr)
    homes = homes_of(run)
    folder = run.homes_folder()

    # Every node holds every event published by then, whichever group's node published it.
    published = set().union(*(event_ids(h) for h in homes.values()))
    run.wait_for(lambda: all(published <= event_ids(h) for h in homes.values()), SPREAD_TIMEOUT_S,
                 "every node to hold the sample events of all four groups")
    for name, home in homes.items():
        groups = solnet_json(home, "view", "groups")
        assert sorted(g["name"] for g in groups) == sorted(GROUP_NAMES), name
        assert all(g["description"] for g in groups), f"{name} lacks a group's full profile"
        assert {a["region"] for a in solnet_json(home, "view", "actions")} >= {"calais", "brighton", "bristol",
                                                                                 "cardiff"}, name
        funds = solnet_json(home, "view", "fundraisers")
        assert len(funds) >= 4 and any(f["pledged"] > 0 for f in funds) and any(f["raised"] > 0 for f in funds)
        needs = solnet_json(home, "view", "needs")
        assert {"need", "offer"} <= {n["side"] for n in needs}
        assert any(n["side"] == "need" and n["fulfilled"] > 0 for n in needs)
        support = solnet_json(home, "view", "support")
        assert len(support) >= 4 and all(r["has_private"] for r in support)
        assert {r["status"] for r in support} >= {"open", "claimed", "closed"}
        assert solnet_json(home, "view", "alerts"), f"{name} shows no alert"

    # The private part of Calais's housing request is readable by Bristol (a recipient) only.
    request = next(r for r in solnet_json(homes["Bristol"], "view", "support")
                   if r["type"] == "housing" and r["region"] == "bristol")
    assert solnet_json(homes["Bristol"], "show", request["id"])["private_status"] == "readable"
    assert solnet_json(homes["Brighton"], "show", request["id"])["private_status"] == "not_a_recipient"

    # Activity goes on: new events reach every node.
    run.wait_for(lambda: all(len(event_ids(h) - published) >= 2 for h in homes.values()), SPREAD_TIMEOUT_S,
                 "new activity to reach every node")

    run.remember_processes()
    nodes_and_workers = dict(run.below)
    assert len(nodes_and_workers) >= 4
    run.proc.send_signal(signal.SIGINT)
    assert run.wait_exit() == 0, run.output
    assert "demo stopped" in run.output
    assert "Ctrl-C: stopping the demo..." in run.output  # not "SIGINT", which a newcomer never typed
    assert localnet.wait_until(lambda: not still_running(nodes_and_workers), 5), \
        f"processes left running after the demo stopped: {still_running(nodes_and_workers)}"
    assert not [p for p in ports if localnet.is_listening(p)]
    assert not folder.exists(), "the temporary homes were left on disk"


def test_keep_keeps_the_homes_and_a_second_run_reuses_them(demo, tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    first = demo("--keep", str(folder), "--duration", "3", "--quiet")
    assert first.wait_exit(120) == 0, first.output
    assert first.urls() and "solidarity demo" in first.output
    homes = {name: localnet.home_dir(folder, name) for name in GROUP_NAMES}
    assert all((h / "solnet.db").exists() for h in homes.values()), sorted(p.name for p in folder.iterdir())
    ids = {h: json.loads((h / "config.json").read_text())["group_id"] for h in homes.values()}
    before = event_ids(homes["Calais"])

    second = demo("--dir", str(folder), "--duration", "3")
    assert second.wait_exit(120) == 0, second.output
    assert "reusing the demo network" in second.output
    assert {h: json.loads((h / "config.json").read_text())["group_id"] for h in homes.values()} == ids
    after = event_ids(homes["Calais"])
    assert before <= after
    # the samples were not published a second time: still one full profile per group (plus the four
    # made when each group joined)
    assert len(solnet_json(homes["Calais"], "ls", "--kind", "group.profile")) == 8
    for run in (first, second):
        assert not still_running(run.below), f"left running: {still_running(run.below)}"


def test_refuses_a_folder_that_is_not_a_demo(demo, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "shopping.txt").write_text("tents\n")
    run = demo("--keep", str(folder))
    assert run.wait_exit(60) == 1
    assert "holds no demo network" in run.output
    assert sorted(p.name for p in folder.iterdir()) == ["shopping.txt"]


def test_the_nodes_stop_by_themselves_when_the_demo_is_killed(demo, tmp_path: Path) -> None:
    run = demo("--keep", str(tmp_path / "kept"), "--quiet")
    run.wait_ready()
    ports = [port for _, port in run.urls().values()]
    nodes_and_workers = dict(run.below)
    assert len(nodes_and_workers) >= 4
    run.proc.kill()  # no chance to clean up: the kernel tells the nodes (parent-death signal)
    run.wait_exit()
    assert localnet.wait_until(lambda: not still_running(nodes_and_workers), 20), \
        f"nodes outlived the killed demo: {still_running(nodes_and_workers)}"
    assert not [p for p in ports if localnet.is_listening(p)]
