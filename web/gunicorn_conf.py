"""gunicorn settings for Accord: `gunicorn -c python:web.gunicorn_conf 'web:create_app()'`.

gunicorn's default access line holds the whole request line, query string included, and a
calendar app sends its token there; this format names the path alone, and the logger
redacts what its error log quotes of a request (a malformed request line, the URI of a
request that failed) as the app's own logs do (`web.logs`). The access log stays off
unless asked for (`--access-logfile -`).
"""

from gunicorn.glogging import Logger

from web.logs import REDACT

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(REDACT)


logger_class = RedactingLogger
