import getpass

from paper2prod.scratch import user_temp_folder


def test_per_user_temp_folders_share_one_scheme_and_are_private():
    folder = user_temp_folder("unit-test")
    assert folder.name == f"paper2prod-unit-test-{getpass.getuser()}" and folder.is_dir()
    assert folder.stat().st_mode & 0o077 == 0
    folder.rmdir()
    assert not user_temp_folder("unit-test", create=False).exists()
