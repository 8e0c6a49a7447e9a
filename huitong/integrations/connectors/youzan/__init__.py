"""Youzan (有赞云, open.youzanyun.com) connector."""
