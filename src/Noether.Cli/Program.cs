using Noether.Cli;

// Signals first: a Ctrl-C during start-up already cancels cleanly (exit 130) instead of killing the process.
using var signals = new CancellationSignals();
// Register the bundled fonts, so plot text never depends on the fonts a machine happens to have.
Noether.Plots.PlotFonts.EnsureRegistered();
return await NoetherApp.RunAsync(args, cancel: signals.Token);
