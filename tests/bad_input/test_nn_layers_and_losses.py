"""Bad input to the layers and losses of aino.nn: each case is refused with a ValueError or TypeError that
names the owner (the layer or loss), what it expected and what came (see conftest.py). The cases marked
"silent" gave a wrong result (or built a wrong layer) before.

After the tables: the empty inputs where PyTorch returns an empty result, which aino returns too."""

import numpy as np
import pytest

from aino import Tensor, nn
from aino.nn.attention import scaled_dot_product_attention
from aino.nn.init import calculate_gain

from .conftest import Refused, assert_refused, case_id


def floats(*shape):
    return Tensor(np.ones(shape, np.float32))


def ints(*shape):
    return Tensor(np.ones(shape, np.int64))


def p41(value=0.5):
    """Four probabilities (or logits) in a column."""
    return np.full((4, 1), value, np.float32)


def logits(*shape):
    return np.zeros(shape or (4, 3), np.float32)


def called(layer):
    """The layer after one forward call on a batch of ones (so that its manual backward may run)."""
    layer(np.ones((3, layer.in_features), np.float32))
    return layer


LABELS = np.array([0, 1, 2, 1])
HUGE = 10**20
INT = r"must be an integer >= 1, got"
UNIT = r"must be a finite number in \[0\.0, 1\.0\], got"
TOO_BIG = r"would hold \d+ elements, more than an array can address"
ARRAY = r"expected input to be a Tensor \(or an array\), got"
FLOATS = r"expected a floating-point input, got dtype"

CONSTRUCTORS = [
    Refused("Linear(None)", lambda: nn.Linear(None, 3), rf"Linear: in_features {INT} NoneType None"),
    Refused("Linear of a text size", lambda: nn.Linear(3, "4"), rf"Linear: out_features {INT} str '4'"),
    Refused("Linear(2.5)", lambda: nn.Linear(2.5, 3), rf"Linear: in_features {INT} float 2\.5"),
    Refused("Linear(3.0)", lambda: nn.Linear(3.0, 3), rf"Linear: in_features {INT} float 3\.0"),
    Refused("Linear(True)", lambda: nn.Linear(True, 3), rf"Linear: in_features {INT} bool True"),
    Refused("Linear(nan)", lambda: nn.Linear(float("nan"), 3), rf"Linear: in_features {INT} float nan"),
    Refused("Linear(0)", lambda: nn.Linear(0, 3), rf"Linear: in_features {INT} 0"),
    Refused("Linear(-1)", lambda: nn.Linear(-1, 3), rf"Linear: in_features {INT} -1"),
    Refused("Linear of a huge size", lambda: nn.Linear(HUGE, 3), rf"Linear: a parameter of shape \(3, {HUGE}\) {TOO_BIG}"),
    Refused("silent: Linear of dtype int64", lambda: nn.Linear(3, 4, dtype="int64"), r"Linear: dtype must be a floating-point type .*got int64"),
    Refused("Linear of an unknown dtype", lambda: nn.Linear(3, 4, dtype="floaty"), r"Linear: unknown dtype 'floaty'"),
    Refused("Linear with an unknown activation name", lambda: nn.Linear(3, 4, activation="rleu"), r"Activation: unknown activation 'rleu'; expected one of"),
    Refused("Linear with an unknown initialization", lambda: nn.Linear(3, 4, initialization="magic"), r"Linear: unknown initialization 'magic'; expected one of pytorch"),
    Refused("Linear with initialization=None", lambda: nn.Linear(3, 4, initialization=None), r"Linear: initialization must be a name such as 'xavier', got NoneType"),
    Refused("Dense(None) names its own argument", lambda: nn.Dense(None, 3), rf"Dense: input_size {INT} NoneType None"),
    Refused("Conv2d(None)", lambda: nn.Conv2d(None, 3, 3), rf"Conv2d: in_channels {INT} NoneType None"),
    Refused("Conv2d kernel None", lambda: nn.Conv2d(3, 3, None), r"Conv2d: kernel_size must be an int or a tuple of 2 ints, got NoneType None"),
    Refused("Conv2d kernel of 3 sizes", lambda: nn.Conv2d(3, 3, (3, 3, 3)), r"Conv2d: kernel_size must be an int or a tuple of 2 ints, got \(3, 3, 3\)"),
    Refused("Conv2d kernel 0", lambda: nn.Conv2d(3, 3, 0), rf"Conv2d: kernel_size {INT} 0"),
    Refused("Conv1d stride 2.5", lambda: nn.Conv1d(3, 3, 3, stride=2.5), r"Conv1d: stride must be an int or a tuple of 1 ints, got float 2\.5"),
    Refused("Conv3d negative padding", lambda: nn.Conv3d(3, 3, 3, padding=-1), r"Conv3d: padding must be an integer >= 0, got -1"),
    Refused("Conv2d padding='full'", lambda: nn.Conv2d(3, 3, 3, padding="full"), r"Conv2d: padding must be 'valid', 'same', an int or a tuple of ints, got 'full'"),
    Refused("Conv2d groups that do not divide", lambda: nn.Conv2d(3, 4, 3, groups=2), r"Conv2d: in_channels and out_channels must both be divisible by groups=2"),
    Refused("Conv2d groups 1.0", lambda: nn.Conv2d(4, 4, 3, groups=1.0), rf"Conv2d: groups {INT} float 1\.0"),
    Refused("Conv2d of a huge kernel", lambda: nn.Conv2d(3, 3, HUGE), rf"Conv2d: a parameter of shape \(3, 3, {HUGE}, {HUGE}\) {TOO_BIG}"),
    Refused("Conv2d of dtype bool", lambda: nn.Conv2d(3, 3, 3, dtype=bool), r"Conv2d: dtype must be a floating-point type .*got bool"),
    Refused("MaxPool2d(None)", lambda: nn.MaxPool2d(None), r"MaxPool2d: kernel_size must be an int or a tuple of 2 ints, got NoneType None"),
    Refused("MaxPool2d stride 0", lambda: nn.MaxPool2d(2, stride=0), rf"MaxPool2d: stride {INT} 0"),
    Refused("MaxPool1d padding over half the kernel", lambda: nn.MaxPool1d(2, padding=2), r"MaxPool1d: padding \(2,\) must be at most half of kernel_size \(2,\)"),
    Refused("AvgPool2d divisor_override 0", lambda: nn.AvgPool2d(2, divisor_override=0), rf"AvgPool2d: divisor_override {INT} 0"),
    Refused("AdaptiveAvgPool2d of text", lambda: nn.AdaptiveAvgPool2d("a"), r"AdaptiveAvgPool2d: output_size must be an int, None or a tuple of 2, got 'a'"),
    Refused("AdaptiveAvgPool2d of 3 sizes", lambda: nn.AdaptiveAvgPool2d((2, 2, 2)), r"AdaptiveAvgPool2d: output_size must be an int, None or a tuple of 2, got \(2, 2, 2\)"),
    Refused("AdaptiveAvgPool1d(0)", lambda: nn.AdaptiveAvgPool1d(0), rf"AdaptiveAvgPool1d: output_size {INT} 0"),
    Refused("BatchNorm1d(None)", lambda: nn.BatchNorm1d(None), rf"BatchNorm1d: num_features {INT} NoneType None"),
    Refused("BatchNorm2d(3.0)", lambda: nn.BatchNorm2d(3.0), rf"BatchNorm2d: num_features {INT} float 3\.0"),
    Refused("BatchNorm1d eps None", lambda: nn.BatchNorm1d(3, eps=None), r"BatchNorm1d: eps must be a number, got NoneType None"),
    Refused("BatchNorm1d eps -1", lambda: nn.BatchNorm1d(3, eps=-1), r"BatchNorm1d: eps must be a finite number >= 0\.0, got -1"),
    Refused("BatchNorm1d momentum of text", lambda: nn.BatchNorm1d(3, momentum="a"), r"BatchNorm1d: momentum must be a number, got str 'a'"),
    Refused("BatchNorm1d momentum 2", lambda: nn.BatchNorm1d(3, momentum=2), rf"BatchNorm1d: momentum {UNIT} 2"),
    Refused("LayerNorm(None)", lambda: nn.LayerNorm(None), rf"LayerNorm: normalized_shape \(each size\) {INT} NoneType None"),
    Refused("LayerNorm(2.5)", lambda: nn.LayerNorm(2.5), rf"LayerNorm: normalized_shape \(each size\) {INT} float 2\.5"),
    Refused("LayerNorm([])", lambda: nn.LayerNorm([]), r"LayerNorm: normalized_shape must be positive integers, at least one, got \[\]"),
    Refused("silent: LayerNorm eps of text", lambda: nn.LayerNorm(3, eps="a"), r"LayerNorm: eps must be a number, got str 'a'"),
    Refused("silent: LayerNorm eps -1", lambda: nn.LayerNorm(3, eps=-1), r"LayerNorm: eps must be a finite number >= 0\.0, got -1"),
    Refused("Dropout(None)", lambda: nn.Dropout(None), r"Dropout: p .* must be a number, got NoneType None"),
    Refused("Dropout(1.5)", lambda: nn.Dropout(1.5), rf"Dropout: p .* {UNIT} 1\.5"),
    Refused("Dropout of text", lambda: nn.Dropout("0.5"), r"Dropout: p .* must be a number, got str '0\.5'"),
    Refused("RNN(None)", lambda: nn.RNN(None, 3), rf"RNN: input_size {INT} NoneType None"),
    Refused("LSTM hidden 0", lambda: nn.LSTM(3, 0), rf"LSTM: hidden_size {INT} 0"),
    Refused("GRU num_layers 2.0", lambda: nn.GRU(3, 3, num_layers=2.0), rf"GRU: num_layers {INT} float 2\.0"),
    Refused("GRU dropout None", lambda: nn.GRU(3, 3, dropout=None), r"GRU: dropout must be a number, got NoneType None"),
    Refused("RNN nonlinearity sigmoid", lambda: nn.RNN(3, 3, nonlinearity="sigmoid"), r"RNN: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"),
    Refused("LSTMCell(3, -1)", lambda: nn.LSTMCell(3, -1), rf"LSTMCell: hidden_size {INT} -1"),
    Refused("LSTM of a huge number of layers", lambda: nn.LSTM(3, 3, num_layers=HUGE), rf"LSTM: the weights of all layers of shape \({HUGE}, 12, 8\) {TOO_BIG}"),
    Refused("Embedding(None)", lambda: nn.Embedding(None, 3), rf"Embedding: num_embeddings {INT} NoneType None"),
    Refused("Embedding dim 0", lambda: nn.Embedding(10, 0), rf"Embedding: embedding_dim {INT} 0"),
    Refused("Embedding padding_idx 10", lambda: nn.Embedding(10, 3, padding_idx=10), r"Embedding: padding_idx must be an integer in \[-10, 9\], got 10"),
    Refused("Embedding padding_idx 2.5", lambda: nn.Embedding(10, 3, padding_idx=2.5), r"Embedding: padding_idx must be an integer in \[-10, 9\], got float 2\.5"),
    Refused("Embedding of dtype int32", lambda: nn.Embedding(10, 3, dtype="int32"), r"Embedding: dtype must be a floating-point type .*got int32"),
    Refused("silent: PositionalEncoding(2.5) (cut to 2)", lambda: nn.PositionalEncoding(2.5), rf"PositionalEncoding: d_model {INT} float 2\.5"),
    Refused("silent: PositionalEncoding('8') (parsed)", lambda: nn.PositionalEncoding("8"), rf"PositionalEncoding: d_model {INT} str '8'"),
    Refused("PositionalEncoding max_seq_len 0", lambda: nn.PositionalEncoding(8, max_seq_len=0), rf"PositionalEncoding: max_seq_len {INT} 0"),
    Refused("PositionalEncoding dropout 1.5", lambda: nn.PositionalEncoding(8, dropout=1.5), rf"PositionalEncoding: dropout {UNIT} 1\.5"),
    Refused("MultiheadAttention(None)", lambda: nn.MultiheadAttention(None, 2), rf"MultiheadAttention: embed_dim {INT} NoneType None"),
    Refused("MultiheadAttention(8, 3)", lambda: nn.MultiheadAttention(8, 3), r"MultiheadAttention: embed_dim \(8\) must be a positive multiple of num_heads \(3\)"),
    Refused("MultiheadAttention(8, True)", lambda: nn.MultiheadAttention(8, True), rf"MultiheadAttention: num_heads {INT} bool True"),
    Refused("silent: MultiheadAttention dropout 2", lambda: nn.MultiheadAttention(8, 2, dropout=2.0), rf"MultiheadAttention: dropout {UNIT} 2\.0"),
    Refused("MultiheadAttention add_bias_kv", lambda: nn.MultiheadAttention(8, 2, add_bias_kv=True), r"MultiheadAttention: add_bias_kv and add_zero_attn are not supported"),
    Refused("MultiHeadAttention(8, 0)", lambda: nn.MultiHeadAttention(8, 0), rf"MultiHeadAttention: num_heads {INT} 0"),
    Refused("MultiHeadAttention(8, 3)", lambda: nn.MultiHeadAttention(8, 3), r"MultiHeadAttention: d_model \(8\) must be a positive multiple of num_heads \(3\)"),
    Refused("TransformerEncoderLayer(None)", lambda: nn.TransformerEncoderLayer(None, 2), rf"TransformerEncoderLayer: d_model {INT} NoneType None"),
    Refused("TransformerEncoderLayer feed-forward 0", lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=0), rf"TransformerEncoderLayer: dim_feedforward {INT} 0"),
    Refused("TransformerEncoderLayer dropout -1", lambda: nn.TransformerEncoderLayer(8, 2, dropout=-1), rf"TransformerEncoderLayer: dropout {UNIT} -1"),
    Refused("silent: TransformerEncoderLayer eps of text", lambda: nn.TransformerEncoderLayer(8, 2, layer_norm_eps="a"), r"TransformerEncoderLayer: layer_norm_eps must be a number, got str 'a'"),
    Refused("TransformerEncoderLayer activation swish", lambda: nn.TransformerEncoderLayer(8, 2, activation="swish"), r"TransformerEncoderLayer: activation should be 'relu', 'gelu' or a callable, got 'swish'"),
    Refused("TransformerDecoderLayer(8, 3)", lambda: nn.TransformerDecoderLayer(8, 3), r"TransformerDecoderLayer: d_model \(8\) must be a positive multiple of num_heads \(3\)"),
    Refused("silent: Transformer of 0 layers", lambda: nn.Transformer(10, 10, 8, 2, num_layers=0), rf"Transformer: num_layers {INT} 0"),
    Refused("Transformer num_layers None", lambda: nn.Transformer(10, 10, 8, 2, num_layers=None), rf"Transformer: num_layers {INT} NoneType None"),
    Refused("silent: Transformer d_ff 0 (became 4 d_model)", lambda: nn.Transformer(10, 10, 8, 2, d_ff=0), rf"Transformer: d_ff {INT} 0"),
    Refused("Transformer src_vocab_size None", lambda: nn.Transformer(None, 10, 8, 2), rf"Transformer: src_vocab_size {INT} NoneType None"),
    Refused("Transformer dropout 1.5", lambda: nn.Transformer(10, 10, 8, 2, dropout=1.5), rf"Transformer: dropout {UNIT} 1\.5"),
    Refused("Encoder max_seq_len -1", lambda: nn.Encoder(10, 8, 2, max_seq_len=-1), rf"Encoder: max_seq_len {INT} -1"),
    Refused("silent: LeakyReLU slope of text", lambda: nn.LeakyReLU("a"), r"LeakyReLU: negative_slope must be a number, got str 'a'"),
    Refused("silent: ELU alpha None", lambda: nn.ELU(None), r"ELU: alpha must be a number, got NoneType None"),
    Refused("silent: Softplus beta 0", lambda: nn.Softplus(beta=0), r"Softplus: beta must be a finite number other than 0"),
    Refused("silent: Softplus threshold of text", lambda: nn.Softplus(threshold="x"), r"Softplus: threshold must be a number, got str 'x'"),
    Refused("silent: Softmax dim of text", lambda: nn.Softmax(dim="1"), r"Softmax: dim must be an integer, got str '1'"),
    Refused("Softmax dim 1.0", lambda: nn.Softmax(dim=1.0), r"Softmax: dim must be an integer, got float 1\.0"),
    Refused("Softmax dim and axis", lambda: nn.Softmax(dim=1, axis=0), r"Softmax: give dim or axis, not both \(got dim=1, axis=0\)"),
    Refused("GELU approximate exact", lambda: nn.GELU("exact"), r"GELU: approximate must be 'none' or 'tanh', got 'exact'"),
    Refused("Activation(None)", lambda: nn.Activation(None), r"Activation: kind must be a name such as 'relu', got NoneType None"),
    Refused("Activation swish", lambda: nn.Activation("swish"), r"Activation: unknown activation 'swish'; expected one of \["),
    Refused("silent: Flatten of text", lambda: nn.Flatten("1"), r"Flatten: start_dim must be an integer, got str '1'"),
    Refused("MemoryNeuron(None)", lambda: nn.MemoryNeuron(None), rf"MemoryNeuron: width {INT} NoneType None"),
    Refused("MemoryNeuron of 0 slots", lambda: nn.MemoryNeuron(4, size=0), rf"MemoryNeuron: size \(the number of memory slots\) {INT} 0"),
    Refused("AttentionNeuron(2.5)", lambda: nn.AttentionNeuron(2.5), rf"AttentionNeuron: width {INT} float 2\.5"),
    Refused("NALU eps -1", lambda: nn.NALU(4, eps=-1), r"NALU: eps must be a finite number >= 0\.0, got -1"),
    Refused("NALU of a huge width", lambda: nn.NALU(HUGE), rf"NALU: a parameter of shape \({HUGE}, {HUGE}\) {TOO_BIG}"),
    Refused("GraphNeuron of 3 nodes as an int", lambda: nn.GraphNeuron(4, 3, []), r"GraphNeuron: nodes must be a list of node names, got int 3"),
    Refused("GraphNeuron of no nodes", lambda: nn.GraphNeuron(4, [], []), r"GraphNeuron: nodes must not be empty"),
    Refused("GraphNeuron of a repeated node", lambda: nn.GraphNeuron(4, [0, 0], []), r"GraphNeuron: nodes must be distinct names .*got \[0, 0\]"),
    Refused("GraphNeuron edge of 3 nodes", lambda: nn.GraphNeuron(4, [0, 1], [(0, 1, 2)]), r"GraphNeuron: each edge must be a pair \(node, node\), got \(0, 1, 2\)"),
    Refused("GraphNeuron edges as text", lambda: nn.GraphNeuron(4, [0, 1], "01"), r"GraphNeuron: edges must be a list of \(node, node\) pairs, got str '01'"),
    Refused("GraphNeuron edge to an unknown node", lambda: nn.GraphNeuron(4, [0, 1], [(0, 5)]), r"GraphNeuron: edge \(0, 5\) names a node not in \[0, 1\]"),
    Refused("SpikingNeuron threshold of text", lambda: nn.SpikingNeuron(4, threshold="high"), r"SpikingNeuron: threshold must be a number, got str 'high'"),
    Refused("MemoryNeuron of dtype int64", lambda: nn.MemoryNeuron(4, dtype="int64"), r"MemoryNeuron: dtype must be a floating-point type .*got int64"),
    Refused("Sequential with None", lambda: nn.Sequential(nn.ReLU(), None), r"Sequential: layer '1' is a NoneType, not a Module"),
    Refused("silent: Sequential.append of text", lambda: nn.Sequential().append("relu"), r"Sequential: layer '0' is a str, not a Module"),
    Refused("Sequential index 3", lambda: nn.Sequential(nn.ReLU())[3], r"Sequential: index 3 is out of range for 1 layers"),
    Refused("Sequential index of text", lambda: nn.Sequential(nn.ReLU())["a"], r"Sequential: index must be an integer, got str 'a'"),
    Refused("silent: train('no') (meant True)", lambda: nn.ReLU().train("no"), r"ReLU\.train: mode must be True or False, got str 'no'"),
    Refused("update_weights(None)", lambda: nn.Linear(2, 2).update_weights(None), r"Linear\.update_weights: learning_rate must be a number, got NoneType"),
    Refused("calculate_gain(None)", lambda: calculate_gain(None), r"calculate_gain: unknown nonlinearity None; expected one of"),
    Refused("silent: Module.to(int64) (a model that cannot learn)", lambda: nn.Linear(2, 2).to(dtype="int64"), r"Linear\.to: dtype must be a floating-point type .*got int64"),
    Refused("Module.backward before a call", lambda: nn.Linear(2, 2).backward(np.ones((1, 2))), r"Linear\.backward: call the module before backward\(\)"),
    Refused("Module.backward(None)", lambda: called(nn.Linear(2, 2)).backward(None), r"Linear\.backward: expected grad_output \(dL/d\(output\)\) as a Tensor or an array of numbers, got None"),
    Refused("BinaryCrossEntropy.backward before a call", lambda: nn.BinaryCrossEntropy().backward(), r"BinaryCrossEntropy\.backward: call the loss on predictions and targets first"),
]


def attention_inputs(L=3, S=3, E=8, N=2):
    return floats(L, N, E), floats(S, N, E), floats(S, N, E)


FORWARD = [
    Refused("Linear(None): the issue's case", lambda: nn.Linear(3, 4)(None), rf"Linear\(3 -> 4\): {ARRAY} NoneType"),
    Refused("Linear of a list", lambda: nn.Linear(3, 4)([[1.0, 2.0, 3.0]]), rf"Linear\(3 -> 4\): {ARRAY} list"),
    Refused("Linear of text", lambda: nn.Linear(3, 4)("abc"), rf"Linear\(3 -> 4\): {ARRAY} str"),
    Refused("silent: Linear of int64 (gave float64)", lambda: nn.Linear(3, 4)(ints(2, 3)), rf"Linear\(3 -> 4\): {FLOATS} int64 \(convert it with \.float\(\)\)"),
    Refused("Linear of bool", lambda: nn.Linear(3, 4)(Tensor(np.ones((2, 3), bool))), rf"Linear\(3 -> 4\): {FLOATS} bool"),
    Refused("Linear of 5 features", lambda: nn.Linear(3, 4)(floats(2, 5)), r"Linear\(3 -> 4\) expected input with 3 features, got shape \(2, 5\)"),
    Refused("Linear of a 0-d tensor", lambda: nn.Linear(3, 4)(floats()), r"Linear\(3 -> 4\) expected input with 3 features, got shape \(\)"),
    Refused("Conv2d(None)", lambda: nn.Conv2d(3, 4, 3)(None), rf"Conv2d\(3 -> 4\): {ARRAY} NoneType"),
    Refused("Conv2d of int64", lambda: nn.Conv2d(3, 4, 3)(ints(1, 3, 5, 5)), rf"Conv2d\(3 -> 4\): {FLOATS} int64"),
    Refused("Conv2d of 1 channel", lambda: nn.Conv2d(3, 4, 3)(floats(1, 1, 5, 5)), r"Conv2d\(3 -> 4\) expected input of shape \(N, 3, H, W\), got \(1, 1, 5, 5\)"),
    Refused("Conv2d of an image smaller than the kernel", lambda: nn.Conv2d(3, 4, 3)(floats(1, 3, 2, 2)), r"Conv2d\(3 -> 4\): kernel \(3, 3\) \(dilation \(1, 1\)\) is larger than the padded input \(2, 2\)"),
    Refused("Conv1d of an empty length", lambda: nn.Conv1d(3, 4, 1)(floats(2, 3, 0)), r"Conv1d\(3 -> 4\): expected input with non-zero sizes on every axis but the batch axis, got shape \(2, 3, 0\)"),
    Refused("MaxPool2d of int64", lambda: nn.MaxPool2d(2)(ints(1, 1, 4, 4)), rf"MaxPool2d: {FLOATS} int64"),
    Refused("MaxPool2d of a 1x1 image", lambda: nn.MaxPool2d(2)(floats(1, 1, 1, 1)), r"MaxPool2d: kernel \(2, 2\) \(dilation \(1, 1\)\) is larger than the padded input \(1, 1\)"),
    Refused("MaxPool1d of 0 channels", lambda: nn.MaxPool1d(2)(floats(1, 0, 4)), r"MaxPool1d: expected input with non-zero sizes .* got shape \(1, 0, 4\)"),
    Refused("silent: AdaptiveAvgPool1d of an empty length (gave 2 values)", lambda: nn.AdaptiveAvgPool1d(2)(floats(2, 2, 0)), r"AdaptiveAvgPool1d: expected input with non-zero sizes .* got shape \(2, 2, 0\)"),
    Refused("silent: AdaptiveAvgPool1d of int64 (means cut to integers)", lambda: nn.AdaptiveAvgPool1d(2)(ints(1, 2, 3)), rf"AdaptiveAvgPool1d: {FLOATS} int64"),
    Refused("AvgPool2d of 2-D", lambda: nn.AvgPool2d(2)(floats(4, 4)), r"AvgPool2d expected input of shape \(N, C, H, W\), got \(4, 4\)"),
    Refused("BatchNorm1d(None)", lambda: nn.BatchNorm1d(3)(None), rf"BatchNorm1d\(3\): {ARRAY} NoneType"),
    Refused("silent: BatchNorm1d of int64 (gave float64)", lambda: nn.BatchNorm1d(3)(ints(4, 3)), rf"BatchNorm1d\(3\): {FLOATS} int64"),
    Refused("BatchNorm1d of 5 features", lambda: nn.BatchNorm1d(3)(floats(4, 5)), r"BatchNorm1d\(3\) expected input of shape \(N, 3\) or \(N, 3, L\), got \(4, 5\)"),
    Refused("BatchNorm1d of one sample in training", lambda: nn.BatchNorm1d(3)(floats(1, 3)), r"BatchNorm1d\(3\) needs more than 1 value per channel"),
    Refused("LayerNorm(None)", lambda: nn.LayerNorm(3)(None), rf"LayerNorm\(\(3,\)\): {ARRAY} NoneType"),
    Refused("LayerNorm of 4 features", lambda: nn.LayerNorm(3)(floats(2, 4)), r"LayerNorm\(\(3,\)\) expected input whose last axes are \(3,\), got shape \(2, 4\)"),
    Refused("Dropout of a list", lambda: nn.Dropout()([1.0]), rf"Dropout: {ARRAY} list"),
    Refused("silent: Dropout of int64 in training (gave float64)", lambda: nn.Dropout()(ints(2, 3)), rf"Dropout: {FLOATS} int64"),
    Refused("RNN(None)", lambda: nn.RNN(3, 4)(None), rf"RNN\(3 -> 4\): {ARRAY} NoneType"),
    Refused("RNN of 5 features", lambda: nn.RNN(3, 4)(floats(2, 1, 5)), r"RNN\(3 -> 4\) expected input of shape \(T, N, 3\) or \(T, 3\) with T, N >= 1, got \(2, 1, 5\)"),
    Refused("RNN of a sequence of length 0", lambda: nn.RNN(3, 4)(floats(0, 2, 3)), r"RNN\(3 -> 4\) expected input .*with T, N >= 1, got \(0, 2, 3\)"),
    Refused("LSTM of int64", lambda: nn.LSTM(3, 4)(ints(2, 1, 3)), rf"LSTM\(3 -> 4\): {FLOATS} int64"),
    Refused("LSTM hx not a tuple", lambda: nn.LSTM(3, 4)(floats(2, 1, 3), floats(1, 1, 4)), r"LSTM\(3 -> 4\) expected hx as a tuple \(h_0, c_0\), got Tensor"),
    Refused("LSTM c_0 None", lambda: nn.LSTM(3, 4)(floats(2, 1, 3), (floats(1, 1, 4), None)), r"LSTM\(3 -> 4\): expected c_0 to be a Tensor \(or an array\), got NoneType"),
    Refused("GRU h_0 of int64", lambda: nn.GRU(3, 4)(floats(2, 1, 3), ints(1, 1, 4)), r"GRU\(3 -> 4\): expected a floating-point h_0, got dtype int64"),
    Refused("GRUCell h_0 of the wrong shape", lambda: nn.GRUCell(3, 4)(floats(2, 3), floats(4)), r"GRUCell\(3 -> 4\) expected h_0 of shape \(2, 4\), got \(4,\)"),
    Refused("LSTMCell of 3-D", lambda: nn.LSTMCell(3, 4)(floats(2, 2, 3)), r"LSTMCell\(3 -> 4\) expected input of shape \(N, 3\) or \(3,\) with N >= 1, got \(2, 2, 3\)"),
    Refused("Embedding of floats", lambda: nn.Embedding(10, 3)(floats(2)), r"Embedding\(10, 3\) expected integer token indices, got dtype float32"),
    Refused("Embedding(None)", lambda: nn.Embedding(10, 3)(None), r"Embedding\(10, 3\) expected integer token indices, got NoneType"),
    Refused("Embedding of text", lambda: nn.Embedding(10, 3)("abc"), r"Embedding\(10, 3\) expected integer token indices, got str"),
    Refused("Embedding of a ragged list", lambda: nn.Embedding(10, 3)([[1, 2], [3]]), r"Embedding\(10, 3\) expected integer token indices, got list"),
    Refused("Embedding of a negative index", lambda: nn.Embedding(10, 3)(np.array([-1, 2])), r"Embedding\(10, 3\) expected indices in \[0, 10\), got values from -1 to 2"),
    Refused("Embedding of index 10", lambda: nn.Embedding(10, 3)(np.array([10])), r"Embedding\(10, 3\) expected indices in \[0, 10\), got values from 10 to 10"),
    Refused("PositionalEncoding(None)", lambda: nn.PositionalEncoding(8, 10)(None), rf"PositionalEncoding\(d_model=8, max_seq_len=10\): {ARRAY} NoneType"),
    Refused("PositionalEncoding of a sequence too long", lambda: nn.PositionalEncoding(8, 10)(floats(2, 11, 8)), r"PositionalEncoding\(d_model=8, max_seq_len=10\) expected input of shape \(batch, seq_len <= 10, 8\), got \(2, 11, 8\)"),
    Refused("MultiheadAttention query None", lambda: nn.MultiheadAttention(8, 2)(None, *attention_inputs()[1:]), rf"MultiheadAttention\(embed_dim=8, num_heads=2\): expected query to be a Tensor \(or an array\), got NoneType"),
    Refused("MultiheadAttention key of int64", lambda: nn.MultiheadAttention(8, 2)(floats(3, 2, 8), ints(3, 2, 8), floats(3, 2, 8)), r"MultiheadAttention\(embed_dim=8, num_heads=2\): expected a floating-point key, got dtype int64"),
    Refused("MultiheadAttention of E = 6", lambda: nn.MultiheadAttention(8, 2)(*attention_inputs(E=6)), r"MultiheadAttention\(embed_dim=8, num_heads=2\) expected query, key and value of shape \(L, N, E\) with E = 8"),
    Refused("MultiheadAttention attn_mask of text", lambda: nn.MultiheadAttention(8, 2)(*attention_inputs(), attn_mask="causal"), r"MultiheadAttention\(embed_dim=8, num_heads=2\): attn_mask must be an array of booleans or floats, got str"),
    Refused("MultiheadAttention key_padding_mask of int64", lambda: nn.MultiheadAttention(8, 2)(*attention_inputs(), key_padding_mask=np.zeros((2, 3), int)), r"key_padding_mask must be an array of booleans or floats, got ndarray of dtype int64"),
    Refused("MultiheadAttention of an empty query (aino's attention op cannot yet)", lambda: nn.MultiheadAttention(8, 2)(*attention_inputs(L=0)), r"MultiheadAttention\(embed_dim=8, num_heads=2\): expected query and key sequences of length >= 1"),
    Refused("MultiHeadAttention mask of text", lambda: nn.MultiHeadAttention(8, 2)(floats(2, 3, 8), floats(2, 3, 8), floats(2, 3, 8), mask="x"), r"MultiHeadAttention\(d_model=8, num_heads=2\): mask .* must be an array of numbers, got str"),
    Refused("scaled_dot_product_attention of None", lambda: scaled_dot_product_attention(None, floats(3, 8), floats(3, 8)), r"scaled_dot_product_attention: expected query to be a Tensor \(or an array\), got NoneType"),
    Refused("scaled_dot_product_attention dropout_p 2", lambda: scaled_dot_product_attention(floats(3, 8), floats(3, 8), floats(3, 8), dropout_p=2), rf"scaled_dot_product_attention: dropout_p {UNIT} 2"),
    Refused("scaled_dot_product_attention of 1-D", lambda: scaled_dot_product_attention(floats(8), floats(8), floats(8)), r"scaled_dot_product_attention expected query \(\.\.\., L, E\)"),
    Refused("TransformerEncoderLayer(None)", lambda: nn.TransformerEncoderLayer(8, 2)(None), r"TransformerEncoderLayer\(d_model=8\): expected src to be a Tensor \(or an array\), got NoneType"),
    Refused("TransformerEncoderLayer of int64", lambda: nn.TransformerEncoderLayer(8, 2)(ints(3, 2, 8)), r"TransformerEncoderLayer\(d_model=8\): expected a floating-point src, got dtype int64"),
    Refused("TransformerDecoderLayer memory None", lambda: nn.TransformerDecoderLayer(8, 2)(floats(3, 2, 8), None), r"TransformerDecoderLayer\(d_model=8\): expected memory to be a Tensor"),
    Refused("Transformer of float tokens", lambda: nn.Transformer(10, 10, 8, 2)(floats(2, 3), ints(2, 3)), r"Embedding\(10, 8\) expected integer token indices, got dtype float32"),
    Refused("ReLU(None)", lambda: nn.ReLU()(None), rf"ReLU: {ARRAY} NoneType"),
    Refused("ReLU of bool", lambda: nn.ReLU()(Tensor(np.ones(2, bool))), r"ReLU: expected a numeric \(integer or floating-point\) input, got dtype bool"),
    Refused("Sigmoid of int64", lambda: nn.Sigmoid()(ints(2)), rf"Sigmoid: {FLOATS} int64"),
    Refused("Softmax dim 2 of a matrix", lambda: nn.Softmax(dim=2)(floats(2, 3)), r"Softmax\(dim=2\): dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    Refused("softmax(dim=3): the issue's AxisError", lambda: floats(2, 3).softmax(dim=3), r"softmax: dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)"),
    Refused("log_softmax of int64", lambda: ints(2, 3).log_softmax(1), r"log_softmax: expected a floating-point tensor, got dtype int64"),
    Refused("LogSoftmax of bool", lambda: nn.LogSoftmax(1)(Tensor(np.ones((2, 3), bool))), rf"LogSoftmax: {FLOATS} bool"),
    Refused("Flatten(3) of a matrix", lambda: nn.Flatten(3)(floats(2, 3)), r"Flatten\(start_dim=3, end_dim=-1\): dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)"),
    Refused("Identity of None", lambda: nn.Identity()(None), rf"Identity: {ARRAY} NoneType"),
    Refused("MemoryNeuron(None)", lambda: nn.MemoryNeuron(4)(None), rf"MemoryNeuron: {ARRAY} NoneType"),
    Refused("MemoryNeuron of width 5", lambda: nn.MemoryNeuron(4)(floats(2, 5)), r"MemoryNeuron expected input of shape \(\.\.\., 4\), got \(2, 5\)"),
    Refused("GraphNeuron of 1-D", lambda: nn.GraphNeuron(4, [0, 1], [(0, 1)])(floats(4)), r"GraphNeuron expected input of shape \(N, 4\), got \(4,\)"),
    Refused("SpikingNeuron of int64", lambda: nn.SpikingNeuron(4)(ints(2, 4)), rf"SpikingNeuron: {FLOATS} int64"),
    Refused("Sequential of None", lambda: nn.Sequential(nn.Linear(2, 3))(None), rf"Linear\(2 -> 3\): {ARRAY} NoneType"),
]

TARGETS = r"expected targets in \[0, 1\] \(0 or 1, or a probability between\), got values from"
INDICES = r"expected class indices of an integer dtype \(such as int64\), got dtype"

LOSSES = [
    Refused("MSELoss reduction avg", lambda: nn.MSELoss(reduction="avg"), r"MSELoss: reduction must be one of \('mean', 'sum', 'none'\), got 'avg'"),
    Refused("MSELoss reduction None", lambda: nn.MSELoss(reduction=None), r"MSELoss: reduction must be one of .*got None"),
    Refused("MSELoss input None", lambda: nn.MSELoss()(None, p41()), r"MSELoss: expected input as a Tensor or an array of numbers, got None"),
    Refused("MSELoss target None", lambda: nn.MSELoss()(p41(), None), r"MSELoss: expected target as a Tensor or an array of numbers, got None"),
    Refused("MSELoss target of text", lambda: nn.MSELoss()(p41(), np.array([["a"]] * 4)), r"MSELoss: expected target as a Tensor or an array of numbers, got ndarray of dtype <U1"),
    Refused("silent: MSELoss complex target (imaginary part dropped)", lambda: nn.MSELoss()(p41(), p41() + 1j), r"MSELoss: expected target .* of numbers, got ndarray of dtype complex"),
    Refused("silent: MSELoss object target (gave nan)", lambda: nn.MSELoss()(p41(), np.array([[None]] * 4)), r"MSELoss: expected target .* of numbers, got ndarray of dtype object"),
    Refused("MSELoss (4, 1) against (4,) (PyTorch broadcasts to (4, 4))", lambda: nn.MSELoss()(p41(), np.zeros(4)), r"MSELoss: expected target of the input's shape \(4, 1\), got shape \(4,\)"),
    Refused("L1Loss of the wrong width", lambda: nn.L1Loss()(logits(), logits(4, 2)), r"L1Loss: expected target of the input's shape \(4, 3\), got shape \(4, 2\)"),
    Refused("silent: BCELoss target 2 (the issue's -0.699)", lambda: nn.BCELoss()(p41(0.3), p41(2.0)), rf"BCELoss: {TARGETS} 2 to 2 in an array of shape \(4, 1\)"),
    Refused("silent: BCELoss target -1", lambda: nn.BCELoss()(p41(), p41(-1.0)), rf"BCELoss: {TARGETS} -1 to -1"),
    Refused("silent: BCELoss target nan", lambda: nn.BCELoss()(p41(), p41(np.nan)), rf"BCELoss: {TARGETS} nan"),
    Refused("BCELoss input 1.5", lambda: nn.BCELoss()(p41(1.5), p41()), r"BCELoss: expected input probabilities in \[0, 1\] \(apply a sigmoid, or use BCEWithLogitsLoss on logits\), got values from 1\.5"),
    Refused("BCELoss weight of text", lambda: nn.BCELoss(weight="abc"), r"BCELoss: expected weight as a Tensor or an array of numbers, got str"),
    Refused("BCELoss negative weight", lambda: nn.BCELoss(weight=[-1.0]), r"BCELoss: weight must hold finite numbers >= 0, got values from -1"),
    Refused("BCELoss weight of the wrong shape", lambda: nn.BCELoss(weight=np.ones(3))(p41(), p41()), r"BCELoss: expected weight broadcastable to the input's shape \(4, 1\), got shape \(3,\)"),
    Refused("silent: BCEWithLogitsLoss target 2", lambda: nn.BCEWithLogitsLoss()(p41(), p41(2.0)), rf"BCEWithLogitsLoss: {TARGETS} 2 to 2"),
    Refused("silent: BCEWithLogitsLoss negative pos_weight", lambda: nn.BCEWithLogitsLoss(pos_weight=[-1.0]), r"BCEWithLogitsLoss: pos_weight must hold finite numbers >= 0"),
    Refused("BCEWithLogitsLoss pos_weight nan", lambda: nn.BCEWithLogitsLoss(pos_weight=[np.nan]), r"BCEWithLogitsLoss: pos_weight must hold finite numbers >= 0, got values from nan"),
    Refused("silent: BCELoss target that requires a gradient (got none)", lambda: nn.BCELoss()(p41(), Tensor(p41(), requires_grad=True)), r"BCELoss: expected a target that needs no gradient .*pass target\.detach\(\)"),
    Refused("silent: BinaryCrossEntropy target 2", lambda: nn.BinaryCrossEntropy()(p41(), p41(2.0)), rf"BinaryCrossEntropy: {TARGETS} 2"),
    Refused("CrossEntropyLoss float targets", lambda: nn.CrossEntropyLoss()(logits(), LABELS.astype(float)), rf"CrossEntropyLoss: {INDICES} float64 \(use target\.astype\(int\)\)"),
    Refused("CrossEntropyLoss bool targets", lambda: nn.CrossEntropyLoss()(logits(2, 3), np.array([True, False])), rf"CrossEntropyLoss: {INDICES} bool"),
    Refused("CrossEntropyLoss index 3 of 3 classes", lambda: nn.CrossEntropyLoss()(logits(), np.array([0, 1, 3, 1])), r"CrossEntropyLoss: expected class indices in \[0, 3\) \(or ignore_index=-100\), got 3"),
    Refused("CrossEntropyLoss index -1", lambda: nn.CrossEntropyLoss()(logits(), np.array([0, -1, 2, 1])), r"CrossEntropyLoss: expected class indices in \[0, 3\) \(or ignore_index=-100\), got -1"),
    Refused("CrossEntropyLoss targets of text", lambda: nn.CrossEntropyLoss()(logits(), np.array(list("abcd"))), r"CrossEntropyLoss: expected target as a Tensor or an array of numbers, got ndarray of dtype <U1"),
    Refused("CrossEntropyLoss target None", lambda: nn.CrossEntropyLoss()(logits(), None), r"CrossEntropyLoss: expected target as a Tensor or an array of numbers, got None"),
    Refused("silent: CrossEntropyLoss probabilities -1 (gave a negative loss)", lambda: nn.CrossEntropyLoss()(logits(), -np.ones((4, 3))), r"CrossEntropyLoss: expected class probabilities in \[0, 1\], got values from -1 to -1"),
    Refused("silent: CrossEntropyLoss probabilities 5", lambda: nn.CrossEntropyLoss()(logits(), np.full((4, 3), 5.0)), r"CrossEntropyLoss: expected class probabilities in \[0, 1\], got values from 5 to 5"),
    Refused("CrossEntropyLoss integer probabilities", lambda: nn.CrossEntropyLoss()(logits(), np.eye(3, dtype=int)[LABELS]), r"CrossEntropyLoss: expected class probabilities of a floating-point dtype .*got dtype int64"),
    Refused("CrossEntropyLoss negative weight", lambda: nn.CrossEntropyLoss(weight=[1.0, -1.0, 1.0]), r"CrossEntropyLoss: weight must hold finite numbers >= 0, got values from -1 to 1"),
    Refused("CrossEntropyLoss weight of 2 classes", lambda: nn.CrossEntropyLoss(weight=[1.0, 2.0])(logits(), LABELS), r"CrossEntropyLoss: expected weight of shape \(3,\), one per class, got shape \(2,\)"),
    Refused("CrossEntropyLoss label_smoothing 1.5", lambda: nn.CrossEntropyLoss(label_smoothing=1.5), rf"CrossEntropyLoss: label_smoothing {UNIT} 1\.5"),
    Refused("CrossEntropyLoss label_smoothing of text", lambda: nn.CrossEntropyLoss(label_smoothing="0.1"), r"CrossEntropyLoss: label_smoothing must be a number, got str '0\.1'"),
    Refused("silent: CrossEntropyLoss ignore_index 2.5 (ignored nothing)", lambda: nn.CrossEntropyLoss(ignore_index=2.5), r"CrossEntropyLoss: ignore_index must be an integer, got float 2\.5"),
    Refused("CrossEntropyLoss of no classes", lambda: nn.CrossEntropyLoss()(logits(2, 0), np.zeros((2, 0), np.float32)), r"CrossEntropyLoss: expected at least one class on axis 1, got an input of shape \(2, 0\)"),
    Refused("CrossEntropyLoss of a 0-d input", lambda: nn.CrossEntropyLoss()(np.float32(1.0), np.array(0)), r"CrossEntropyLoss: expected logits with a class axis, \(N, C\) or \(N, C, d1, \.\.\.\), got a 0-d input"),
    Refused("NLLLoss index 3", lambda: nn.NLLLoss()(logits(), np.array([0, 1, 3, 1])), r"NLLLoss: expected class indices in \[0, 3\)"),
    Refused("NLLLoss float targets", lambda: nn.NLLLoss()(logits(), LABELS.astype(np.float32)), rf"NLLLoss: {INDICES} float32"),
    Refused("SoftmaxCrossEntropyLoss index 5", lambda: nn.SoftmaxCrossEntropyLoss()(logits(), np.array([0, 1, 5, 1])), r"SoftmaxCrossEntropyLoss: expected class indices in \[0, 3\), got 5"),
    Refused("SoftmaxCrossEntropyLoss fractional index", lambda: nn.SoftmaxCrossEntropyLoss()(logits(), np.array([0.0, 1.5, 2.0, 1.0])), r"SoftmaxCrossEntropyLoss: expected whole-number class indices"),
    Refused("silent: CrossEntropy one-hot rows of -1", lambda: nn.CrossEntropy()(logits(), -np.eye(3)[LABELS]), r"CrossEntropy: expected class probabilities in \[0, 1\], got values from -1"),
    Refused("accuracy of None", lambda: nn.accuracy(None, LABELS), r"accuracy: expected predictions as a Tensor or an array of numbers, got None"),
    Refused("silent: accuracy of class 5 of 3", lambda: nn.accuracy(logits(), np.array([0, 1, 5, 1])), r"accuracy: expected class indices in \[0, 3\) \(whole numbers\), got values \[0, 1, 5\]"),
]


@pytest.mark.parametrize("case", CONSTRUCTORS + FORWARD + LOSSES, ids=case_id)
def test_refused(case):
    assert_refused(case)


# --- empty inputs: PyTorch gives an empty result (batch size 0, or a size-0 softmax axis); so does aino ---


@pytest.mark.parametrize("layer, shape, expected", [
    pytest.param(lambda: nn.Linear(3, 4), (0, 3), (0, 4), id="Linear of (0, 3)"),
    pytest.param(lambda: nn.Conv2d(2, 3, 2), (0, 2, 5, 5), (0, 3, 4, 4), id="Conv2d of (0, 2, 5, 5)"),
    pytest.param(lambda: nn.MaxPool1d(2), (0, 2, 4), (0, 2, 2), id="MaxPool1d of (0, 2, 4)"),
    pytest.param(lambda: nn.AdaptiveAvgPool2d(2), (0, 2, 4, 4), (0, 2, 2, 2), id="AdaptiveAvgPool2d of (0, 2, 4, 4)"),
    pytest.param(lambda: nn.BatchNorm1d(3), (0, 3), (0, 3), id="BatchNorm1d of (0, 3)"),
    pytest.param(lambda: nn.BatchNorm1d(3), (4, 3, 0), (4, 3, 0), id="BatchNorm1d of (4, 3, 0)"),
    pytest.param(lambda: nn.BatchNorm2d(3), (0, 3, 2, 2), (0, 3, 2, 2), id="BatchNorm2d of (0, 3, 2, 2)"),
    pytest.param(lambda: nn.LayerNorm(3), (0, 3), (0, 3), id="LayerNorm of (0, 3)"),
    pytest.param(lambda: nn.Dropout(0.5), (0, 3), (0, 3), id="Dropout of (0, 3)"),
    pytest.param(lambda: nn.Softmax(-1), (2, 0), (2, 0), id="Softmax of (2, 0)"),
    pytest.param(lambda: nn.LogSoftmax(1), (2, 0), (2, 0), id="LogSoftmax of (2, 0)"),
    pytest.param(lambda: nn.TransformerEncoderLayer(4, 2, 8, 0.0), (3, 0, 4), (3, 0, 4), id="TransformerEncoderLayer of (3, 0, 4)"),
])
def test_an_empty_input_gives_an_empty_result_with_a_gradient(layer, shape, expected):
    x = Tensor(np.zeros(shape, np.float32), requires_grad=True)
    y = layer()(x)

    assert y.shape == expected and y.dtype == np.float32
    y.sum().backward()
    assert x.grad.shape == shape


def test_an_empty_batch_leaves_the_batch_norm_statistics_alone_and_counts_the_batch():
    layer = nn.BatchNorm1d(3)  # PyTorch: running_mean 0, running_var 1, num_batches_tracked 1 after (0, 3)
    layer(Tensor(np.zeros((0, 3), np.float32)))

    assert layer.running_mean.numpy().tolist() == [0, 0, 0] and layer.running_var.numpy().tolist() == [1, 1, 1]
    assert int(layer.num_batches_tracked.item()) == 1


def test_dropout_of_one_zeroes_everything_as_pytorch():
    y = nn.Dropout(1.0)(Tensor(np.ones((2, 3), np.float32)))

    assert y.numpy().tolist() == [[0, 0, 0], [0, 0, 0]]
