"""Returns and exchanges (售后): a return request against the shipped lines of any
order, handled apart from the order's own workflow.

``reasons`` names the typed reasons, the states and the outcomes; ``models`` stores
requests, their lines and their log; ``requesting`` opens one; ``handling`` moves it
through approval, receipt and inspection (restock or write off per line);
``outcomes`` closes it with a refund, an exchange or a re-shipment (补发);
``listing`` reads the list and its counts; ``settings`` holds the time limit staff
set.
"""
