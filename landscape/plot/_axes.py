"""The one helper every plot module shares."""


def axes_or_new(ax):
    """Return ``ax``, or the Axes of a new figure when ``ax`` is ``None``."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax
