import stat

import pytest

from paper2prod import preflight


@pytest.mark.parametrize(
    "text, major",
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_292"', 8),
        ('openjdk version "21" 2023-09-19', 21),
        ("openjdk 11.0.2 2019-01-15", 11),
        ("garbage", None),
    ],
)
def test_parse_java_major(text, major):
    assert preflight.parse_java_major(text) == major


def fake_java(tmp_path, version_line):
    java_home = tmp_path / "jdk"
    (java_home / "bin").mkdir(parents=True)
    java = java_home / "bin" / "java"
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return java_home


def test_old_java_stops_with_install_advice(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(fake_java(tmp_path, 'java version "1.8.0_292"')))
    with pytest.raises(preflight.PreflightError, match="too old") as error:
        preflight.check_java()
    assert "apt-get install openjdk-17" in str(error.value) and "brew" in str(error.value)


def test_missing_java_stops_with_install_advice(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(preflight.PreflightError, match="not found") as error:
        preflight.check_java()
    assert "conda install -c conda-forge openjdk" in str(error.value)


def test_script_exits_1_with_one_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert preflight.main() == 1
    err = capsys.readouterr().err
    assert err.startswith("STOP  Java was not found") and "Traceback" not in err


def test_supported_java_passes(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(fake_java(tmp_path, 'openjdk version "21.0.1" 2023-10-17')))
    assert preflight.check_java().startswith("Java 21")
