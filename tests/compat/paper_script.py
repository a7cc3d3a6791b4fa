import torch
import torch.nn as nn
import torch.nn.functional as F
import numpy as np
import argparse
import copy
import json
import math
import os
import random
import time

# Two-stream digit classifier: a small residual CNN over the 8x8 image and a causal
# row transformer that reads the digit top to bottom; the two features are fused.
# Written in the style of a paper's released training code; test_paper_script.py
# beside it runs it as it is and with its first three lines swapped for another framework.


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def get_args(argv=None):
    parser = argparse.ArgumentParser(description="Two-stream digits")
    parser.add_argument("--data", type=str, required=True, help="npz with x_train, y_train, x_test, y_test")
    parser.add_argument("--out", type=str, default="./runs")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--weight_decay", type=float, default=1e-4)
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--d_model", type=int, default=32)
    parser.add_argument("--n_heads", type=int, default=4)
    parser.add_argument("--n_layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--smoothing", type=float, default=0.1)
    parser.add_argument("--val_frac", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


# ----------------------------------------------------------------------------- data

class NumpyLoader:
    """Minimal batch iterator over numpy arrays (shuffled every epoch)."""

    def __init__(self, x, y, batch_size, shuffle=True, drop_last=False):
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last

    def __len__(self):
        n = len(self.x) // self.batch_size
        if not self.drop_last and len(self.x) % self.batch_size:
            n += 1
        return n

    def __iter__(self):
        idx = np.arange(len(self.x))
        if self.shuffle:
            np.random.shuffle(idx)
        for i in range(len(self)):
            batch = idx[i * self.batch_size:(i + 1) * self.batch_size]
            xb = torch.from_numpy(self.x[batch]).float()
            yb = torch.from_numpy(self.y[batch]).long()
            yield xb, yb


def load_data(path, val_frac, batch_size):
    data = np.load(path)
    x_train, y_train = data["x_train"], data["y_train"]
    x_test, y_test = data["x_test"], data["y_test"]
    # normalise with training statistics
    mean, std = x_train.mean(), x_train.std()
    x_train = ((x_train - mean) / std).astype(np.float32)
    x_test = ((x_test - mean) / std).astype(np.float32)

    train_set = torch.utils.data.TensorDataset(torch.tensor(x_train), torch.tensor(y_train))
    n_val = int(len(train_set) * val_frac)
    train_set, val_set = torch.utils.data.random_split(train_set, [len(train_set) - n_val, n_val])
    train_idx = np.array(train_set.indices)

    train_loader = NumpyLoader(x_train[train_idx], y_train[train_idx], batch_size, shuffle=True)
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=256, shuffle=False)
    test_loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test)),
        batch_size=256, shuffle=False, drop_last=False)
    return train_loader, val_loader, test_loader


# ----------------------------------------------------------------------------- model

class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super(ResidualBlock, self).__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, dropout):
        super().__init__()
        assert d_model % n_heads == 0
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.dropout = dropout

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, T, self.n_heads, C // self.n_heads)  # (B, T, nh, hs)
        k = k.view(B, T, self.n_heads, C // self.n_heads)
        v = v.view(B, T, self.n_heads, C // self.n_heads)
        att = torch.einsum("bthd,bshd->bhts", q, k) * (1.0 / math.sqrt(k.size(-1)))
        mask = torch.tril(torch.ones(T, T))
        att = att.masked_fill(mask == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        att = F.dropout(att, p=self.dropout, training=self.training)
        y = torch.einsum("bhts,bshd->bthd", att, v).contiguous().view(B, T, C)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, d_model, n_heads, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads, dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.ModuleDict(dict(
            fc=nn.Linear(d_model, 4 * d_model),
            proj=nn.Linear(4 * d_model, d_model),
        ))
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        h = F.gelu(self.mlp["fc"](self.ln2(x)), approximate="tanh")
        x = x + self.drop(self.mlp["proj"](h))
        return x


class TwoStreamNet(nn.Module):
    def __init__(self, channels=16, d_model=32, n_heads=4, n_layers=2, n_classes=10, dropout=0.1):
        super().__init__()
        # image stream
        self.stem = nn.Conv2d(1, channels, kernel_size=3, padding=1)
        self.res = ResidualBlock(channels)
        # row stream: each of the 8 rows is a token
        self.row_embed = nn.Linear(8, d_model)
        self.pos_embed = nn.Parameter(torch.zeros(1, 8, d_model))
        self.blocks = nn.ModuleList([Block(d_model, n_heads, dropout) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d_model)
        # fusion head
        self.head = nn.Linear(channels * 4 * 4 + d_model, n_classes)
        self.reset_parameters()

    def reset_parameters(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.xavier_normal_(m.weight)
                nn.init.constant_(m.bias, 0.0)
            elif isinstance(m, (nn.LayerNorm, nn.BatchNorm2d)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.normal_(self.pos_embed, mean=0.0, std=0.02)
        nn.init.uniform_(self.head.weight, -0.05, 0.05)

    def forward(self, x):
        B = x.size(0)
        img = x.view(B, 1, 8, 8)
        # --- image stream
        h = F.relu(self.stem(img))
        h = self.res(h)
        h = F.max_pool2d(h, kernel_size=2)  # (B, C, 4, 4)
        f_img = h.view(B, -1)
        # --- row stream
        rows = x.view(B, 8, 8)
        t = self.row_embed(rows) + self.pos_embed
        for block in self.blocks:
            t = block(t)
        t = self.ln_f(t)
        f_seq = t[:, -1, :]  # the last row has seen the whole digit
        # --- fusion
        feats = torch.cat([f_img, f_seq], dim=1)
        feats = F.dropout(feats, p=0.1, training=self.training)
        return self.head(feats)


# ----------------------------------------------------------------------------- train / eval

def random_shift(x, pad=1):
    # random-crop augmentation: pad the 8x8 image by `pad` pixels and crop it back at a random offset
    B = x.size(0)
    img = F.pad(x.view(B, 1, 8, 8), (pad, pad, pad, pad))
    i, j = torch.randint(0, 2 * pad + 1, (2,)).tolist()
    return img[:, :, i:i + 8, j:j + 8].reshape(B, 64)


def smooth_cross_entropy(logits, target, eps):
    n_classes = logits.size(-1)
    soft = F.one_hot(target, n_classes).float() * (1.0 - eps) + eps / n_classes
    return -(soft * F.log_softmax(logits, dim=-1)).sum(dim=-1).mean()


def train_one_epoch(model, loader, optimizer, device, clip, smoothing):
    model.train()
    losses = []
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        logits = model(random_shift(x))
        loss = smooth_cross_entropy(logits, y, smoothing)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses).mean().item()


def evaluate(model, loader, device):
    model.eval()
    correct, correct_top2, total, uncertain = 0, 0, 0, 0
    all_preds = []
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            _, pred = logits.max(1)
            _, top2 = logits.topk(2, dim=1)
            confidence = F.softmax(logits, dim=1).max(1)[0]
            correct += (pred == y).sum().item()
            correct_top2 += (top2 == y.view(-1, 1)).any(dim=1).sum().item()
            uncertain += torch.where(confidence < 0.5, 1, 0).sum().item()
            total += y.size(0)
            all_preds.append(pred.cpu())
    metrics = {"acc": correct / total, "top2_acc": correct_top2 / total, "uncertain": uncertain / total}
    return metrics, torch.cat(all_preds)


def main(argv=None):
    args = get_args(argv)
    set_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_loader, val_loader, test_loader = load_data(args.data, args.val_frac, args.batch_size)

    model = TwoStreamNet(args.channels, args.d_model, args.n_heads, args.n_layers, dropout=args.dropout)
    model = model.to(device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model has {n_params} parameters")

    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    best_acc, best_state = 0.0, None
    start = time.time()
    for epoch in range(args.epochs):
        train_loss = train_one_epoch(model, train_loader, optimizer, device, args.clip, args.smoothing)
        val_acc = evaluate(model, val_loader, device)[0]["acc"]
        scheduler.step()
        if val_acc >= best_acc:
            best_acc = val_acc
            best_state = copy.deepcopy(model.state_dict())
        print(f"epoch {epoch:3d} | loss {train_loss:.4f} | val acc {val_acc:.4f} | {time.time() - start:.1f}s")

    ckpt_path = os.path.join(args.out, "best.pt")
    torch.save(best_state, ckpt_path)

    # reload the best checkpoint into a fresh model and test it
    model = TwoStreamNet(args.channels, args.d_model, args.n_heads, args.n_layers, dropout=args.dropout)
    model.load_state_dict(torch.load(ckpt_path, map_location=device))
    model = model.to(device)
    test_metrics, test_preds = evaluate(model, test_loader, device)
    test_acc = test_metrics["acc"]
    print(f"best val acc {best_acc:.4f} | test acc {test_acc:.4f} | top-2 {test_metrics['top2_acc']:.4f}")

    np.save(os.path.join(args.out, "test_preds.npy"), test_preds.numpy())
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(dict(best_val_acc=best_acc, test_acc=test_acc, n_params=n_params, **test_metrics), f)
    return test_acc


if __name__ == "__main__":
    main()
