"""The Bot API request backend of the application, wrapped so that the update's transaction
is closed before anything goes to Telegram (bot.context.release_before_telegram): a handler
that answers early — a refusal, a "please type a number" — never holds a database
connection across the network, without having to remember to commit first."""

from __future__ import annotations

import logging

from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.context import release_before_telegram

log = logging.getLogger(__name__)
# PTB's own default for the bot's requests (ApplicationBuilder._build_request)
CONNECTION_POOL_SIZE = 256


class WrappedRequest(BaseRequest):
    """A request backend around another one (`inner`), doing something before each call."""

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()


class UpdateAwareRequest(WrappedRequest):
    def __init__(self, inner: BaseRequest | None = None) -> None:
        super().__init__(inner or HTTPXRequest(connection_pool_size=CONNECTION_POOL_SIZE))

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE,
                         write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE,
                         pool_timeout=BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if not await release_before_telegram():
            log.error("a Bot API call (%s) was made inside the update's transaction block",
                      url.rsplit("/", 1)[-1])
        return await self.inner.do_request(url, method, request_data, read_timeout,
                                           write_timeout, connect_timeout, pool_timeout)
