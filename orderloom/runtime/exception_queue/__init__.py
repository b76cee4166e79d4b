"""The exception queue (异常订单): orders that cannot flow on by themselves, each with
a typed reason, waiting for a person to assign and resolve them.

``reasons`` lists the kinds and what may resolve each; ``models`` stores them;
``raising`` opens one (the engine, channels and a designer's rule call it);
``detection`` finds the reasons an arriving order carries; ``resolving`` closes one
and moves the order on; ``closing`` closes those an order moved on by hand leaves
behind; ``settings`` holds the time limits, the discount limit and
the price floors staff set.
"""
