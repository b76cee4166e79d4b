"""Merging (合单) and splitting (拆单) orders for shipping.

``models`` stores merges, their orders and the parts of split orders, and the
settings; ``settings`` holds the merge window, merging by rule and the parcel
limits staff set; ``merging`` merges orders of one buyer to one address into one
parcel and undoes it; ``candidates`` finds the orders staff could merge;
``splitting`` cuts an order into parts by warehouse, stock, parcel limits or by
hand, and books each part's parcel; ``progress`` says how far a split order has
shipped; ``reactions`` subscribes to hooks (merge by rule on arrival, a merged
parcel told to every order in it).
"""
