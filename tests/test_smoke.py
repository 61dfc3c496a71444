from support import EXAMPLES


def test_path_of_kcp_example(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("path", "-f", str(EXAMPLES / "kcp-phase8.yaml"), "--json")
    assert r.code == 0, r.err
    assert '"length": 3300' in r.out
