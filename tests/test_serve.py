"""What `chatbot serve` hands Streamlit (chatbot/cli/serve.py): the upload limit, and the doors it closes."""

from __future__ import annotations

import tomllib
from types import SimpleNamespace

import streamlit as st
from conftest import ROOT, make_settings

from chatbot.cli.serve import harden_streamlit, upload_limit_mb


def test_the_upload_limit_is_the_batch_limit_not_streamlits_200_mb(tmp_path):
    settings = make_settings(tmp_path)
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == upload_limit_mb(settings) == 1
    assert upload_limit_mb(settings.replace(batch_max_bytes=5_500_000)) == 6
    assert upload_limit_mb(settings) * 1024 * 1024 >= settings.batch_max_bytes, "a file the batch check accepts can be uploaded"


def test_a_browsers_clear_cache_message_clears_only_its_own_session():
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.pages_manager import PagesManager

    calls = []

    @st.cache_resource
    def engine_stand_in() -> int:
        calls.append(1)
        return len(calls)

    engine_stand_in()
    harden_streamlit()
    session = SimpleNamespace(_session_state={"staff_session": "someone"})
    AppSession._handle_clear_cache_request(session)
    assert engine_stand_in() == 1 and len(calls) == 1, "the shared cache survived"
    assert session._session_state == {}
    assert PagesManager.uses_pages_directory is False, "pages/ is never served as auto-discovered pages"
