"""Delivery of notices to subscribers: the outbox dispatcher and its webhook and e-mail senders.

``outbox.py`` claims due deliveries and records results, ``webhook.py`` and ``email.py`` send
(both implement :class:`~modelsteward.ports.Notifier`), ``dispatcher.py`` is the loop that ties
them together, ``ssrf.py`` decides which addresses webhooks may reach and ``settings.py`` reads
the ``STEWARD_*`` settings. Use it through
:class:`modelsteward.service.notifications.Notifications`.
"""
