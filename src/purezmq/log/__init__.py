"""Logging over ØMQ (pyzmq's zmq.log): see purezmq.log.handlers for PUBHandler,
and ``python -m purezmq.log`` for a watcher that prints what it publishes."""
