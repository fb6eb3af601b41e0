"""Typed printing errors, so callers can tell a bad config from a printer that is off."""


class PrinterError(Exception):
    """Base class of every error raised by the printers package."""


class PrinterConfigError(PrinterError):
    """A printer config dict is wrong: unknown backend, missing or malformed key."""


class PrinterUnavailable(PrinterError):
    """The printer could not be reached or refused the data; the job may be retried."""


class DriverMissing(PrinterError):
    """An optional driver package (pyusb, pyserial, libraqm ...) is not installed."""
