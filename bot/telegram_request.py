"""The Bot API request backends of the application.

- `AiohttpRequest`: the HTTP client. PTB's default, httpx, parses HTTP in pure Python: a Bot
  API call cost the bot about 0.5 ms of CPU through it and about 0.2 ms through aiohttp (a C
  parser; the client aiogram uses for the Bot API), at one or two calls per update the
  largest single cost after the handlers' own work (bench/RESULTS.md §1, sixth pass). Same
  contract as PTB's HTTPXRequest: its default timeouts, `TimedOut` and `NetworkError`.
- `UpdateAwareRequest`: wrapped around it so that the update's transaction is closed before
  anything goes to Telegram (bot.context.release_before_telegram): a handler that answers
  early — a refusal, a "please type a number" — never holds a database connection across
  the network, without having to remember to commit first.
"""

from __future__ import annotations

import logging
import ssl

import aiohttp
import certifi
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.context import release_before_telegram

log = logging.getLogger(__name__)
# PTB's own default for the bot's requests (ApplicationBuilder._build_request)
CONNECTION_POOL_SIZE = 256
# aiohttp 3.10+: the pool had no free connection in time (the request was not sent)
_POOL_TIMEOUT = getattr(aiohttp, "ConnectionTimeoutError", ())


class AiohttpRequest(BaseRequest):
    """PTB's request backend on aiohttp, with HTTPXRequest's defaults: 5 s to connect, 5 s
    to read, 1 s to get a connection from the pool, 20 s to send a file."""

    def __init__(self, connection_pool_size: int = 1, read_timeout: float = 5.0,
                 connect_timeout: float = 5.0, pool_timeout: float = 1.0,
                 media_write_timeout: float = 20.0) -> None:
        self.connection_pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """The session is made in the running event loop (aiohttp binds it to the loop)."""
        if self._session is None or self._session.closed:
            # certifi's authorities, the ones httpx trusts: the same on any machine
            context = ssl.create_default_context(cafile=certifi.where())
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connection_pool_size, ssl=context),
                timeout=aiohttp.ClientTimeout(total=None))

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE,
                         write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE,
                         pool_timeout=BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            await self.initialize()
        default = BaseRequest.DEFAULT_NONE
        read = self._read_timeout if read_timeout is default else read_timeout
        connect = self._connect_timeout if connect_timeout is default else connect_timeout
        pool = self._pool_timeout if pool_timeout is default else pool_timeout
        write = None
        if request_data is not None and request_data.contains_files:
            # aiohttp has no write timeout: a file's upload gets a limit on the whole call
            write = self._media_write_timeout if write_timeout is default else write_timeout
        timeout = aiohttp.ClientTimeout(
            total=None if write is None or read is None else write + read,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect, sock_read=read)
        try:
            async with self._session.request(method, url, data=_body(request_data),
                                             headers={"User-Agent": self.USER_AGENT},
                                             timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # asyncio's timeouts are TimeoutError from Python 3.11
            if isinstance(error, _POOL_TIMEOUT):
                raise TimedOut("Pool timeout: every connection is in use; the request was not "
                               "sent to Telegram.") from error
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # the class name says what failed; the URL holds the token, so only its method
            text = str(error).replace(url, url.rsplit("/", 1)[-1])
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {text}") from error


def _body(request_data: RequestData | None) -> aiohttp.FormData | None:
    """The parameters as a form; with files, multipart — what HTTPXRequest sends."""
    if request_data is None or not (request_data.json_parameters or request_data.contains_files):
        return None
    form = aiohttp.FormData(request_data.json_parameters)
    for field, (filename, content, mimetype) in (request_data.multipart_data or {}).items():
        form.add_field(field, content, filename=filename, content_type=mimetype)
    return form


class WrappedRequest(BaseRequest):
    """A request backend around another one (`inner`): `before` runs before each call."""

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def before(self, url: str) -> None:
        """What the wrapper does before the call to `url` goes out."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE,
                         write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE,
                         pool_timeout=BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        await self.before(url)
        return await self.inner.do_request(url, method, request_data, read_timeout,
                                           write_timeout, connect_timeout, pool_timeout)


class UpdateAwareRequest(WrappedRequest):
    def __init__(self, inner: BaseRequest | None = None) -> None:
        super().__init__(inner or AiohttpRequest(connection_pool_size=CONNECTION_POOL_SIZE))

    async def before(self, url: str) -> None:
        if not await release_before_telegram():
            log.error("a Bot API call (%s) was made inside the update's transaction block",
                      url.rsplit("/", 1)[-1])
