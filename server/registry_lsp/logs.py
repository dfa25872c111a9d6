"""Logging: child loggers of `registry_lsp`, forwarded to the client as `window/logMessage`
(buffered until the client is ready) and optionally to a file."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

_TYPES = {
    logging.DEBUG: types.MessageType.Log,
    logging.INFO: types.MessageType.Info,
    logging.WARNING: types.MessageType.Warning,
    logging.ERROR: types.MessageType.Error,
    logging.CRITICAL: types.MessageType.Error,
}
BUFFER_LIMIT = 500


class LspLogHandler(logging.Handler):
    """Sends log records to the client; before the client is ready, keeps them."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.server: LanguageServer | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.buffer: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("[%(name)s] %(message)s"))

    def attach(self, server: LanguageServer) -> None:
        self.server = server
        self.loop = asyncio.get_running_loop()
        pending, self.buffer = self.buffer, []
        for record in pending:
            self.emit(record)

    def emit(self, record: logging.LogRecord) -> None:
        if self.server is None or self.loop is None:
            if len(self.buffer) < BUFFER_LIMIT:
                self.buffer.append(record)
            return
        try:
            params = types.LogMessageParams(
                type=_TYPES.get(record.levelno, types.MessageType.Log), message=self.format(record)
            )
            server: Any = self.server
            if threading.current_thread() is threading.main_thread():
                server.window_log_message(params)
            else:
                self.loop.call_soon_threadsafe(server.window_log_message, params)
        except Exception:  # logging must never break the server
            self.handleError(record)


def configure(verbosity: int, log_file: str | None) -> LspLogHandler:
    """Set up the `registry_lsp` and `hybrid_registry` loggers; returns the client handler."""
    level = logging.WARNING if verbosity < 0 else (logging.DEBUG if verbosity > 0 else logging.INFO)
    handler = LspLogHandler(level)
    for name in ("registry_lsp", "hybrid_registry"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)
    if log_file:
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s")
        )
        for name in ("registry_lsp", "hybrid_registry", "pygls"):
            logger = logging.getLogger(name)
            logger.addHandler(file_handler)
            if verbosity > 1:
                logger.setLevel(logging.DEBUG)
    return handler
