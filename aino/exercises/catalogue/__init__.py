"""The catalogue: every exercise, by name, from the family files beside this one (in course order)."""

from aino.exercises.catalogue import activations, autograd, classic, convolution, losses, sequences, training

FAMILIES = (classic, activations, losses, autograd, training, convolution, sequences)
CATALOGUE = {exercise.name: exercise for family in FAMILIES for exercise in family.EXERCISES}
