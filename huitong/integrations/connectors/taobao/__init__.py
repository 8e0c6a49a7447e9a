"""Taobao / Tmall connector over the Taobao Open Platform (TOP) REST gateway.

``client`` signs and sends TOP calls, ``mapping`` turns TOP trades and refunds into the DTOs of
``connectors.base``, ``adapter.TaobaoAdapter`` implements the Protocols, ``fake_server`` is a local TOP
gateway for the tests.
"""
