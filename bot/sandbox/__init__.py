"""Local Telegram Bot API emulator, its HTTP server, and the sandbox terminal chat."""
