"""The offline demo: seeded sample data, stand-in member servers, and the whole path run once.

Sits on top of every package (like cli); nothing but cli and the tests imports it.
"""
