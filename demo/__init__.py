"""The offline demo: seeded sample data, stand-in member servers, and the whole path run once.

Sits on top of every package (like cli.py); nothing but cli.py and the tests imports it.
"""
