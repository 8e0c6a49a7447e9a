"""Douyin shop (抖店, op.jinritemai.com) connector."""
